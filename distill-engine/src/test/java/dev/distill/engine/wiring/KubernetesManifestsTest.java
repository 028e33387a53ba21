package dev.distill.engine.wiring;

import static dev.distill.engine.wiring.TestPlans.WWW_DATA;
import static dev.distill.engine.wiring.TestPlans.program;
import static dev.distill.engine.wiring.TestPlans.wire;
import static dev.distill.engine.wiring.YamlDocs.byName;
import static dev.distill.engine.wiring.YamlDocs.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.plan.BaseChoice;
import dev.distill.engine.plan.BaseImage;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.ProgramRole;
import java.util.List;
import org.junit.jupiter.api.Test;

class KubernetesManifestsTest {

    @Test
    void theDeploymentRunsBothProgramsInOnePodSharingTheSocketDirectory() throws Exception {
        PodWiring w = wire(TestPlans.phpFpmAndNginx());
        List<JsonNode> docs = YamlDocs.read(KubernetesManifests.render(w));

        JsonNode deployment = docs.get(0);
        assertThat(deployment.path("apiVersion").asText()).isEqualTo("apps/v1");
        assertThat(deployment.path("kind").asText()).isEqualTo("Deployment");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(deployment.at("/spec/selector/matchLabels/app.kubernetes.io~1name").asText()).isEqualTo("demo-app");
        assertThat(deployment.at("/spec/template/metadata/labels/app.kubernetes.io~1name").asText()).isEqualTo("demo-app");
        JsonNode pod = deployment.at("/spec/template/spec");
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
        assertThat(pod.has("os")).isFalse();
        JsonNode containers = pod.path("containers");
        assertThat(containers).hasSize(2);

        JsonNode fpm = byName(containers, "php-fpm");
        assertThat(fpm.path("image").asText()).matches("127\\.0\\.0\\.1:5000/demo/app@sha256:[0-9a-f]{64}");
        assertThat(texts(fpm.path("command"))).containsExactly("/usr/sbin/php-fpm8.2");
        assertThat(texts(fpm.path("args"))).containsExactly("-F");
        assertThat(fpm.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
        assertThat(fpm.at("/ports/0/protocol").asText()).isEqualTo("TCP");
        JsonNode nginx = byName(containers, "nginx");
        assertThat(texts(nginx.path("args"))).containsExactly("-g", "daemon off;");
        assertThat(nginx.has("ports")).isFalse();
        for (JsonNode c : containers) {
            JsonNode mount = byName(c.path("volumeMounts"), "run-php");
            assertThat(mount.path("mountPath").asText()).isEqualTo("/run/php");
            JsonNode sc = c.path("securityContext");
            assertThat(sc.path("runAsUser").asInt(-1)).isZero();
            assertThat(sc.has("runAsNonRoot")).isFalse();
            assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
            assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
            assertThat(texts(sc.at("/capabilities/drop"))).containsExactly("ALL");
            assertThat(texts(sc.at("/capabilities/add"))).containsExactly("CHOWN", "KILL", "SETGID", "SETUID");
            assertThat(c.has("lifecycle")).isFalse();
        }
        JsonNode socketVolume = byName(pod.path("volumes"), "run-php");
        assertThat(socketVolume.at("/emptyDir/medium").asText()).isEqualTo("Memory");
        assertThat(byName(pod.path("volumes"), "nginx-tmp-nginx-body").path("emptyDir").isObject()).isTrue();
        assertThat(pod.path("volumes")).hasSize(w.volumes().size());

        JsonNode service = docs.get(1);
        assertThat(service.path("kind").asText()).isEqualTo("Service");
        assertThat(service.at("/spec/selector/app.kubernetes.io~1name").asText()).isEqualTo("demo-app");
        assertThat(service.at("/spec/ports/0/name").asText()).isEqualTo("tcp-8080");
        assertThat(service.at("/spec/ports/0/targetPort").asInt()).isEqualTo(8080);
        assertThat(docs).hasSize(2);
    }

    @Test
    void aNonRootSingleProgramIsOneContainerRunningAsNonRootWithNoService() throws Exception {
        ProgramPlan app = program("app", List.of("/app"), "www-data", List.of(), List.of(WWW_DATA), List.of());
        String yaml = KubernetesManifests.render(wire(TestPlans.of(app)));
        List<JsonNode> docs = YamlDocs.read(yaml);

        assertThat(docs).hasSize(1);
        JsonNode containers = docs.get(0).at("/spec/template/spec/containers");
        assertThat(containers).hasSize(1);
        JsonNode sc = containers.get(0).path("securityContext");
        assertThat(sc.path("runAsUser").asInt()).isEqualTo(33);
        assertThat(sc.path("runAsGroup").asInt()).isEqualTo(33);
        assertThat(sc.path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(sc.at("/capabilities").has("add")).isFalse();
        assertThat(containers.get(0).has("args")).isFalse();
    }

    @Test
    void aLowPortForANonRootProgramOpensTheUnprivilegedPortRangeOfThePod() throws Exception {
        ProgramPlan app = program("web", List.of("/web"), "www-data", List.of("80/tcp"), List.of(WWW_DATA), List.of());
        JsonNode pod = YamlDocs.read(KubernetesManifests.render(wire(TestPlans.of(app)))).get(0).at("/spec/template/spec");

        assertThat(pod.at("/securityContext/sysctls/0/name").asText()).isEqualTo("net.ipv4.ip_unprivileged_port_start");
        assertThat(pod.at("/securityContext/sysctls/0/value").isTextual()).isTrue();
        assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    }

    @Test
    void theStopSignalFieldIsWrittenOnlyOnRequestWithTheOsItNeeds() throws Exception {
        PodWiring w = wire(TestPlans.phpFpmAndNginx());
        String plain = KubernetesManifests.render(w);
        assertThat(plain).contains("# php-fpm: 127.0.0.1:5000/demo/app:1-distroless-php-fpm",
                "stops on SIGQUIT via the image's STOPSIGNAL", "# Note: programs php-fpm and nginx both expose 8080/tcp");

        JsonNode pod = YamlDocs.read(KubernetesManifests.render(w, new KubernetesManifests.Options(true))).get(0)
                .at("/spec/template/spec");
        assertThat(pod.at("/os/name").asText()).isEqualTo("linux");
        assertThat(pod.at("/containers/0/lifecycle/stopSignal").asText()).isEqualTo("SIGQUIT");
    }

    @Test
    void valuesStayStringsAndDollarParenthesesStayLiteral() throws Exception {
        List<String> env = List.of("A=yes", "B=on", "C=33:33", "D=0755", "E=", "F=a: b", "G=#x", "H=$(HOME)/x", "I=1e3",
                "J=null", "K=~", "L=multi\nline", "M=.inf", "N=-.5", "O=0x1F", "P=2026-11-27");
        ProgramPlan app = new ProgramPlan("app", List.of("/app", "--home=$(HOME)", "true", "0"), "", null, env, List.of(),
                null, new BaseChoice(BaseImage.STATIC, "test"), List.of(), List.of(), List.of(), List.of(), List.of(), "test",
                ProgramRole.SERVICE, Identity.ROOT, "test", List.of());
        JsonNode c = YamlDocs.read(KubernetesManifests.render(wire(TestPlans.of(app)))).get(0)
                .at("/spec/template/spec/containers/0");

        assertThat(texts(c.path("args"))).containsExactly("--home=$$(HOME)", "true", "0");
        assertThat(c.path("args").get(1).isTextual()).isTrue();
        for (int i = 0; i < env.size(); i++) {
            String expected = env.get(i).substring(2).replace("$(", "$$(");
            JsonNode value = c.path("env").get(i).path("value");
            assertThat(value.isTextual()).as(env.get(i)).isTrue();
            assertThat(value.asText()).isEqualTo(expected);
        }
        assertThat(c.has("workingDir")).isFalse();
    }

    @Test
    void theSameWiringRendersTheSameBytes() {
        assertThat(KubernetesManifests.render(wire(TestPlans.phpFpmAndNginx())))
                .isEqualTo(KubernetesManifests.render(wire(TestPlans.phpFpmAndNginx())));
    }
}
