package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.distill.events.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes as kustomize renders it (kubectl kustomize: Debian's kubernetes-client or any later kubectl):
 * every document parses and passes its schema (deploy/schema-check: kubernetes-models for core kinds, the vendored
 * Strimzi and KEDA CRD schemas, strictly, for KafkaTopic and ScaledObject); and what the manifests say matches what
 * the services are: the images deploy/local/images.sh pushes, the health endpoints, a KafkaTopic for every topic and
 * dead-letter topic, a ScaledObject for every stage's consumer group, non-root and read-only everywhere but where
 * the verifier's sandbox runner needs more.
 */
class KubernetesManifestsTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final List<String> SERVICES = List.of("analyzer-svc", "builder-svc", "verifier-svc");

    private static Path rendered;
    private static List<JsonNode> local;

    @BeforeAll
    static void render(@TempDir Path dir) throws IOException {
        rendered = dir.resolve("local.yaml");
        Files.writeString(rendered, kustomize("deploy/kubernetes/overlays/local"));
        local = documents(Files.readString(rendered));
    }

    private static String kustomize(String directory) {
        String out = Commands.run(TIMEOUT, List.of("kubectl", "kustomize", directory)).assertSucceeded().output();
        // kubectl 1.2x prints deprecation warnings (bases, patchesStrategicMerge, commonLabels) before the YAML.
        return out.lines().filter(l -> !l.startsWith("# Warning:")).collect(Collectors.joining("\n")) + "\n";
    }

    static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(yaml)) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode node = it.next();
                if (node != null && !node.isNull() && !node.isEmpty()) {
                    out.add(node);
                }
            }
        }
        return out;
    }

    private static List<JsonNode> ofKind(String kind) {
        return local.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    private static JsonNode named(String kind, String name) {
        return ofKind(kind).stream().filter(d -> d.at("/metadata/name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static Properties applicationProperties(String service) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(LocalStack.root().resolve(service + "/src/main/resources/application.properties"))) {
            p.load(in);
        }
        return p;
    }

    @Test
    void everyDocumentPassesItsSchema(@TempDir Path dir) throws IOException {
        Path base = dir.resolve("base.yaml");
        Files.writeString(base, kustomize("deploy/kubernetes/base"));
        Commands.Result result = Commands.run(TIMEOUT, List.of("bash", "deploy/schema-check/run.sh", "kubernetes",
                LocalStack.root().resolve("deploy/kubernetes/schema").toString(), rendered.toString(), base.toString(),
                LocalStack.root().resolve("deploy/kubernetes/examples/registry-notifications.yaml").toString()));
        JsonNode report = Migrations.JSON.readTree(result.output().substring(result.output().indexOf("{\n  \"check\"")));
        assertThat(report.get("failed").asInt()).as(report.toPrettyString()).isZero();
        assertThat(result.exit()).isZero();
        Map<String, Long> kinds = new LinkedHashMap<>();
        report.get("checked").forEach(c -> kinds.merge(c.get("kind").asText(), 1L, Long::sum));
        // Overlay and base: 3 Deployments, 3 Services, 11 topics, 3 ScaledObjects, 4 policies each; plus the example.
        assertThat(kinds).containsEntry("Deployment", 6L).containsEntry("Service", 6L).containsEntry("KafkaTopic", 22L)
                .containsEntry("ScaledObject", 6L).containsEntry("NetworkPolicy", 8L).containsEntry("Namespace", 1L);
    }

    @Test
    void aManifestThatBreaksItsSchemaIsRefused(@TempDir Path dir) throws IOException {
        String broken = Files.readString(rendered).replaceFirst("partitions: 3", "partitionz: 3")
                .replaceFirst("lagThreshold: \"2\"", "lagThreshold: 2")
                .replaceFirst("containerPort: 8080", "containerPort: \"8080\"");
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, broken);
        Commands.Result result = Commands.run(TIMEOUT, List.of("bash", "deploy/schema-check/run.sh", "kubernetes",
                LocalStack.root().resolve("deploy/kubernetes/schema").toString(), file.toString()));
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.output()).contains("must NOT have additional properties (partitionz)")
                .contains("lagThreshold must be string").contains("containerPort must be integer");
    }

    @Test
    void theImagesAreThoseImagesShPushes() throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<artifactId>distill-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(LocalStack.root().resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        String version = m.group(1);
        for (String service : SERVICES) {
            JsonNode container = named("Deployment", service).at("/spec/template/spec/containers/0");
            // deploy/local/images.sh: <registry>/distill/<service>:<version> (quarkus.container-image.group=distill).
            assertThat(container.get("image").asText()).isEqualTo("127.0.0.1:5000/distill/" + service + ":" + version);
        }
    }

    @Test
    void probesResourcesAndConfinementAreSetOnEveryService() throws IOException {
        for (String service : SERVICES) {
            JsonNode deployment = named("Deployment", service);
            JsonNode pod = deployment.at("/spec/template/spec");
            JsonNode c = pod.at("/containers/0");
            String port = applicationProperties(service).getProperty("quarkus.http.port");
            assertThat(c.at("/ports/0/containerPort").asText()).isEqualTo(port);
            assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
            assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
            assertThat(c.at("/resources/requests/memory").asText()).isNotEmpty();
            assertThat(c.at("/resources/limits/memory").asText()).isNotEmpty();
            assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
            assertThat(c.path("volumeMounts").findValuesAsText("mountPath")).contains("/tmp");
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
            assertThat(deployment.at("/spec/template/metadata/annotations/prometheus.io~1path").asText()).isEqualTo("/q/metrics");
            assertThat(named("Service", service).at("/spec/ports/0/port").asText()).isEqualTo(port);
            if (service.equals("verifier-svc")) {
                // The service runs unprivileged; runc needs root and a privileged container: its sandbox runner beside
                // it, and nothing else in Distill (docs/security.md, "The verifier's own privileges").
                assertThat(c.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
                assertThat(c.at("/securityContext/runAsUser").asInt()).isEqualTo(65532);
                assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
                assertThat(c.at("/securityContext/capabilities/drop").toString()).contains("ALL");
                assertThat(c.at("/securityContext/privileged").asBoolean(false)).isFalse();
                assertThat(c.path("env").toString()).contains("DISTILL_VERIFY_RUNNER", "socket");
                JsonNode runner = pod.at("/containers/1");
                assertThat(runner.get("name").asText()).isEqualTo("sandbox-runner");
                assertThat(runner.at("/securityContext/runAsUser").asInt()).isZero();
                assertThat(runner.at("/securityContext/privileged").asBoolean()).isTrue();
                assertThat(runner.get("command").toString()).contains("dev.distill.engine.verification.SandboxRunner");
                for (JsonNode container : List.of(c, runner)) {
                    // The socket and the spool are shared.
                    assertThat(container.path("volumeMounts").findValuesAsText("mountPath")).contains("/run/distill-runner", "/work");
                }
            } else {
                assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
                assertThat(pod.at("/securityContext/runAsUser").asInt()).isEqualTo(65532);
                assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
                assertThat(c.at("/securityContext/capabilities/drop").toString()).contains("ALL");
                assertThat(c.at("/securityContext/privileged").asBoolean(false)).isFalse();
            }
        }
        String verifierYaml = Files.readString(LocalStack.root().resolve("deploy/kubernetes/base/verifier.yaml"));
        assertThat(verifierYaml).contains("CAP_SYS_ADMIN").contains("strace").contains("cgroup");
    }

    @Test
    void everyTopicAndDeadLetterTopicIsAKafkaTopicWithItsPartitions() {
        Map<String, JsonNode> topics = new LinkedHashMap<>();
        ofKind("KafkaTopic").forEach(t -> topics.put(t.at("/spec/topicName").asText(), t));
        List<String> expected = new ArrayList<>(Topics.EVENT_TOPICS);
        Topics.STAGE_INPUT_TOPICS.forEach(t -> expected.add(Topics.deadLetter(t)));
        assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        for (String topic : Topics.EVENT_TOPICS) {
            JsonNode t = topics.get(topic);
            assertThat(t.at("/spec/partitions").asInt()).as(topic).isEqualTo(3);
            // The status view is rebuilt from the event topics: they keep everything.
            assertThat(t.at("/spec/config/retention.ms").asLong()).as(topic).isEqualTo(-1);
            assertThat(t.at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo("distill-kafka");
        }
        for (String topic : Topics.STAGE_INPUT_TOPICS) {
            assertThat(topics.get(Topics.deadLetter(topic)).at("/spec/partitions").asInt()).isEqualTo(1);
        }
    }

    @Test
    void everyStageConsumerGroupScalesOnItsLagUpToThePartitions() throws IOException {
        Map<String, String> groupTopics = new LinkedHashMap<>();
        for (String service : SERVICES) {
            Properties p = applicationProperties(service);
            for (String key : p.stringPropertyNames()) {
                if (key.startsWith("mp.messaging.incoming.") && key.endsWith(".group.id")) {
                    String channel = key.substring(0, key.length() - ".group.id".length());
                    groupTopics.put(p.getProperty(key), p.getProperty(channel + ".topic"));
                }
            }
        }
        assertThat(groupTopics).hasSize(4);
        Map<String, String> scaled = new LinkedHashMap<>();
        for (JsonNode so : ofKind("ScaledObject")) {
            String target = so.at("/spec/scaleTargetRef/name").asText();
            assertThat(SERVICES).contains(target);
            named("Deployment", target);
            assertThat(so.at("/spec/maxReplicaCount").asInt()).isEqualTo(3);
            assertThat(so.at("/spec/minReplicaCount").asInt()).isGreaterThanOrEqualTo(1);
            so.at("/spec/triggers").forEach(t -> {
                assertThat(t.get("type").asText()).isEqualTo("kafka");
                scaled.put(t.at("/metadata/consumerGroup").asText(), t.at("/metadata/topic").asText());
            });
        }
        assertThat(scaled).isEqualTo(groupTopics);
    }

    @Test
    void networkPoliciesDenyByDefaultAndAllowOnlyTheApiMetricsKafkaAndRegistries() {
        JsonNode deny = named("NetworkPolicy", "distill-default-deny");
        assertThat(deny.at("/spec/policyTypes").toString()).contains("Ingress").contains("Egress");
        assertThat(deny.at("/spec/ingress").isMissingNode()).isTrue();
        assertThat(named("NetworkPolicy", "distill-analyzer-api").at("/spec/ingress/0/ports/0/port").asInt()).isEqualTo(8080);
        assertThat(named("NetworkPolicy", "distill-egress").at("/spec/egress").toString()).contains("9092").contains("443");
        for (JsonNode doc : local) {
            assertThat(doc.at("/metadata/namespace").asText("distill")).as(doc.at("/metadata/name").asText())
                    .isIn("distill", "");
        }
        assertThat(((ObjectNode) named("Namespace", "distill").at("/metadata/labels")).get("pod-security.kubernetes.io/enforce")
                .asText()).isEqualTo("privileged");
    }
}
