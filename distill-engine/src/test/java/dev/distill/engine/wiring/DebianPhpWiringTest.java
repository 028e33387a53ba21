package dev.distill.engine.wiring;

import static dev.distill.engine.wiring.YamlDocs.byName;
import static dev.distill.engine.wiring.YamlDocs.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.testing.FixtureImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed application (php-fpm + nginx under supervisord, built by fixtures/) wired from the plan its real
 * analysis gives: two containers in one pod, nginx reaching php-fpm's unix socket through a shared volume.
 * The renderings are written to target/ for a person (or kubectl) to look at.
 */
class DebianPhpWiringTest {

    private static final String SHA_FPM = "sha256:" + "a".repeat(64);
    private static final String SHA_NGINX = "sha256:" + "b".repeat(64);

    private static PodWiring wiring;
    private static String deployment;
    private static String compose;

    @BeforeAll
    static void wire() throws Exception {
        FixtureImages.Built built = FixtureImages.build("debian-php");
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        LayeredFileSystem fs = LayeredFileSystem.build(image.layers(), image.blobs());
        AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(fs, image.config(),
                new AnalysisReport.Subject("fixtures/debian-php", image.manifestDigest().toString(), "linux/amd64"));
        MigrationPlan plan = report.plan();
        Map<String, ImageReference> images = Map.of(
                "php-fpm", ImageReference.parse("127.0.0.1:5000/fixtures/debian-php:1-distroless-php-fpm@" + SHA_FPM),
                "nginx", ImageReference.parse("127.0.0.1:5000/fixtures/debian-php:1-distroless-nginx@" + SHA_NGINX));
        wiring = PodWiring.fromPlan("fixtures/debian-php", plan, images);
        deployment = KubernetesManifests.render(wiring);
        compose = ComposeFile.render(wiring);
        Path out = Path.of("target/wiring");
        Files.createDirectories(out);
        Files.writeString(out.resolve("debian-php-kubernetes.yaml"), deployment);
        Files.writeString(out.resolve("debian-php-compose.yaml"), compose);
        Files.writeString(out.resolve("debian-php-kubernetes-stop-signal.yaml"),
                KubernetesManifests.render(wiring, new KubernetesManifests.Options(true)));
        Files.writeString(out.resolve("debian-php-wiring.json"),
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(wiring));
    }

    @Test
    void theDeploymentHasBothContainersSharingTheSocketDirectory() throws Exception {
        JsonNode pod = YamlDocs.read(deployment).get(0).at("/spec/template/spec");
        JsonNode containers = pod.path("containers");
        assertThat(containers).hasSize(2);

        JsonNode fpm = byName(containers, "php-fpm");
        JsonNode nginx = byName(containers, "nginx");
        assertThat(fpm.path("image").asText()).isEqualTo("127.0.0.1:5000/fixtures/debian-php@" + SHA_FPM);
        assertThat(nginx.path("image").asText()).isEqualTo("127.0.0.1:5000/fixtures/debian-php@" + SHA_NGINX);
        assertThat(texts(fpm.path("command"))).containsExactly("/usr/sbin/php-fpm8.2");
        assertThat(texts(nginx.path("args"))).containsExactly("-g", "daemon off;");

        String socketVolume = wiring.containers().get(0).mounts().stream()
                .filter(m -> m.path().equals("/run/php")).findFirst().orElseThrow().volume();
        assertThat(byName(fpm.path("volumeMounts"), socketVolume).path("mountPath").asText()).isEqualTo("/run/php");
        assertThat(byName(nginx.path("volumeMounts"), socketVolume).path("mountPath").asText()).isEqualTo("/run/php");
        assertThat(byName(pod.path("volumes"), socketVolume).at("/emptyDir/medium").asText()).isEqualTo("Memory");
        assertThat(wiring.volume(socketVolume).scope()).isEqualTo(VolumeScope.POD);

        // The source's supervisord starts both as root and they hand their work to www-data: the plan runs them as
        // www-data from the start, so they need no capability back.
        for (JsonNode c : List.of(fpm, nginx)) {
            assertThat(c.at("/securityContext/runAsUser").asInt(-1)).isEqualTo(33);
            assertThat(c.at("/securityContext/runAsGroup").asInt(-1)).isEqualTo(33);
            assertThat(c.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
            assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
            assertThat(c.at("/securityContext/capabilities/add").isMissingNode()
                    || c.at("/securityContext/capabilities/add").isEmpty()).isTrue();
        }
        assertThat(byName(nginx.path("volumeMounts"), "nginx-tmp-nginx-body").path("mountPath").asText())
                .isEqualTo("/tmp/nginx-body");
        assertThat(wiring.container("nginx").mounts()).extracting(VolumeMount::path)
                .contains("/run", "/run/php", "/tmp", "/tmp/nginx-body", "/tmp/nginx-fastcgi");
    }

    @Test
    void theComposeFileJoinsNginxToPhpFpmsNetworkAndSharesTheSocketVolume() throws Exception {
        JsonNode doc = YamlDocs.read(compose).get(0);
        JsonNode services = doc.path("services");
        assertThat(services.fieldNames()).toIterable().containsExactly("php-fpm", "nginx");
        assertThat(services.at("/nginx/network_mode").asText()).isEqualTo("service:php-fpm");
        assertThat(texts(services.at("/php-fpm/ports"))).containsExactly("8080:8080/tcp");
        assertThat(texts(services.at("/php-fpm/volumes"))).containsExactly("run-php:/run/php");
        // and nginx's compiled-in temp directories, which it creates at start (Debian: /var/lib/nginx/*)
        assertThat(texts(services.at("/nginx/volumes"))).containsExactly("run-php:/run/php",
                "nginx-var-lib-nginx-proxy:/var/lib/nginx/proxy", "nginx-var-lib-nginx-scgi:/var/lib/nginx/scgi",
                "nginx-var-lib-nginx-uwsgi:/var/lib/nginx/uwsgi");
        assertThat(doc.at("/volumes/run-php/driver_opts/type").asText()).isEqualTo("tmpfs");
        assertThat(services.at("/nginx/stop_signal").asText()).isEqualTo("SIGQUIT");
    }

    @Test
    void theImageWidePortGoesToTheProgramThatListensOnIt() {
        // The image EXPOSEs 8080 once; the plan gives it to nginx (its listen), not to php-fpm (a unix socket).
        assertThat(wiring.container("nginx").ports()).containsExactly(new ContainerPort(8080, Protocol.TCP));
        assertThat(wiring.container("php-fpm").ports()).isEmpty();
        assertThat(wiring.notes()).extracting(WiringNote::subject).doesNotContain("8080/tcp");
    }

    @Test
    void theWiringSurvivesJsonAndRendersTheSameBytesAgain() throws Exception {
        ObjectMapper json = new ObjectMapper();
        PodWiring back = json.readValue(json.writeValueAsString(wiring), PodWiring.class);
        assertThat(back).isEqualTo(wiring);
        assertThat(KubernetesManifests.render(back)).isEqualTo(deployment);
        assertThat(ComposeFile.render(back)).isEqualTo(compose);
    }
}
