package dev.distill.engine.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An entrypoint step that runs before each start becomes an init container in the model and in both renderings. */
class InitContainersTest {

    @Test
    void theInitProgramRunsFirstAndSharesThePlacesItWrites() {
        PodWiring pod = TestPlans.wire(TestPlans.withMigration());
        assertThat(pod.containers()).extracting(ContainerWiring::name).containsExactly("php-fpm", "worker");
        assertThat(pod.initContainers()).singleElement().satisfies(init -> {
            assertThat(init.name()).isEqualTo("init-php-artisan-migrate");
            assertThat(init.command()).containsExactly("/usr/bin/php", "artisan", "migrate", "--force");
            assertThat(init.ports()).isEmpty();
            assertThat(init.user().spec()).isEqualTo("33:33");
            assertThat(init.mounts()).extracting(VolumeMount::path).containsExactly("/tmp", "/var/lib/app");
        });
        String shared = pod.container("php-fpm").mounts().stream().filter(m -> m.path().equals("/var/lib/app"))
                .findFirst().orElseThrow().volume();
        assertThat(pod.container("init-php-artisan-migrate").mounts()).anySatisfy(m -> assertThat(m.volume()).isEqualTo(shared));
        assertThat(pod.container("worker").mounts()).anySatisfy(m -> assertThat(m.volume()).isEqualTo(shared));
        assertThat(pod.volume(shared).scope()).isEqualTo(VolumeScope.POD);
        assertThat(pod.notes()).anySatisfy(n -> assertThat(n.reason()).contains("init container init-php-artisan-migrate")
                .contains("/usr/local/bin/entrypoint.sh:9"));
    }

    @Test
    void kubernetesRunsItAsAnInitContainer() throws Exception {
        PodWiring pod = TestPlans.wire(TestPlans.withMigration());
        JsonNode deployment = YamlDocs.read(KubernetesManifests.render(pod)).get(0);
        JsonNode spec = deployment.at("/spec/template/spec");
        assertThat(spec.get("initContainers")).hasSize(1);
        JsonNode init = spec.get("initContainers").get(0);
        assertThat(init.get("name").asText()).isEqualTo("init-php-artisan-migrate");
        assertThat(init.get("command").get(0).asText()).isEqualTo("/usr/bin/php");
        assertThat(init.get("args").toString()).isEqualTo("[\"artisan\",\"migrate\",\"--force\"]");
        assertThat(init.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(init.get("volumeMounts").findValuesAsText("mountPath")).contains("/var/lib/app");
        assertThat(List.of(spec.get("containers").get(0).get("name").asText(), spec.get("containers").get(1).get("name")
                .asText())).containsExactly("php-fpm", "worker");
    }

    @Test
    void composeRunsItOnceAndTheProgramsWaitForItsSuccess() throws Exception {
        PodWiring pod = TestPlans.wire(TestPlans.withMigration());
        JsonNode compose = YamlDocs.read(ComposeFile.render(pod)).get(0);
        JsonNode services = compose.get("services");
        assertThat(iterable(services.fieldNames())).containsExactly("init-php-artisan-migrate", "php-fpm", "worker");
        JsonNode init = services.get("init-php-artisan-migrate");
        assertThat(init.get("restart").asText()).isEqualTo("no");
        assertThat(init.has("network_mode")).isFalse();
        assertThat(init.get("volumes").toString()).contains(":/var/lib/app");
        assertThat(services.at("/php-fpm/depends_on/init-php-artisan-migrate/condition").asText())
                .isEqualTo("service_completed_successfully");
        assertThat(services.at("/worker/depends_on/init-php-artisan-migrate/condition").asText())
                .isEqualTo("service_completed_successfully");
        assertThat(services.at("/worker/depends_on/php-fpm/condition").asText()).isEqualTo("service_started");
        assertThat(services.at("/worker/network_mode").asText()).isEqualTo("service:php-fpm");
    }

    @Test
    void theModelRoundTripsThroughJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        PodWiring pod = TestPlans.wire(TestPlans.withMigration());
        assertThat(json.readValue(json.writeValueAsString(pod), PodWiring.class)).isEqualTo(pod);
        assertThat(json.readValue(json.writeValueAsString(TestPlans.withMigration()),
                dev.distill.engine.plan.MigrationPlan.class)).isEqualTo(TestPlans.withMigration());
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
