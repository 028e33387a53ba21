package dev.distill.engine.wiring;

import static dev.distill.engine.wiring.TestPlans.WWW_DATA;
import static dev.distill.engine.wiring.TestPlans.place;
import static dev.distill.engine.wiring.TestPlans.program;
import static dev.distill.engine.wiring.TestPlans.wire;
import static dev.distill.engine.wiring.YamlDocs.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.engine.plan.ProgramPlan;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComposeFileTest {

    @Test
    void theSecondServiceJoinsTheFirstsNetworkAndBothMountTheSharedVolume() throws Exception {
        String yaml = ComposeFile.render(wire(TestPlans.phpFpmAndNginx()));
        List<JsonNode> docs = YamlDocs.read(yaml);
        assertThat(docs).hasSize(1);
        JsonNode compose = docs.get(0);

        assertThat(compose.path("name").asText()).isEqualTo("demo-app");
        JsonNode services = compose.path("services");
        assertThat(services.fieldNames()).toIterable().containsExactly("php-fpm", "nginx");
        JsonNode fpm = services.path("php-fpm");
        JsonNode nginx = services.path("nginx");

        assertThat(fpm.has("network_mode")).isFalse();
        assertThat(texts(fpm.path("ports"))).containsExactly("8080:8080/tcp");
        assertThat(nginx.path("network_mode").asText()).isEqualTo("service:php-fpm");
        assertThat(texts(nginx.path("depends_on"))).containsExactly("php-fpm");
        assertThat(nginx.has("ports")).isFalse();

        assertThat(texts(fpm.path("volumes"))).containsExactly("run-php:/run/php");
        assertThat(texts(nginx.path("volumes"))).containsExactly("run-php:/run/php");
        assertThat(texts(nginx.path("tmpfs"))).containsExactly("/run:uid=0,gid=0,mode=0755",
                "/tmp:uid=0,gid=0,mode=1777", "/tmp/nginx-body:uid=33,gid=33,mode=0755");
        JsonNode shared = compose.at("/volumes/run-php");
        assertThat(shared.path("driver").asText()).isEqualTo("local");
        assertThat(shared.at("/driver_opts/type").asText()).isEqualTo("tmpfs");
        assertThat(shared.at("/driver_opts/o").asText()).isEqualTo("uid=0,gid=0,mode=0755");
        assertThat(compose.path("volumes").size()).isEqualTo(1);

        for (JsonNode s : List.of(fpm, nginx)) {
            assertThat(s.path("image").asText()).contains("@sha256:").doesNotContain(":1-distroless");
            assertThat(s.path("read_only").asBoolean()).isTrue();
            assertThat(s.path("user").isTextual()).isTrue();
            assertThat(s.path("user").asText()).isEqualTo("0:0");
            assertThat(s.path("stop_signal").asText()).isEqualTo("SIGQUIT");
            assertThat(texts(s.path("cap_drop"))).containsExactly("ALL");
            assertThat(texts(s.path("cap_add"))).containsExactly("CHOWN", "KILL", "SETGID", "SETUID");
            assertThat(texts(s.path("security_opt"))).containsExactly("no-new-privileges:true");
        }
        assertThat(texts(nginx.path("entrypoint"))).containsExactly("/usr/sbin/nginx");
        assertThat(texts(nginx.path("command"))).containsExactly("-g", "daemon off;");
    }

    @Test
    void aSingleProgramIsOneServiceOwningItsNetworkWithDiskVolumesNamed() throws Exception {
        ProgramPlan app = program("app", List.of("/app", "price=$5"), "www-data:33", List.of("80/tcp"),
                List.of(WWW_DATA), List.of(place("/var/cache/app", 33, 33, 0750)));
        JsonNode compose = YamlDocs.read(ComposeFile.render(wire(TestPlans.of(app)))).get(0);

        JsonNode s = compose.at("/services/app");
        assertThat(compose.path("services").size()).isEqualTo(1);
        assertThat(s.has("network_mode")).isFalse();
        assertThat(s.path("user").asText()).isEqualTo("33:33");
        assertThat(texts(s.path("command"))).containsExactly("price=$$5");
        assertThat(s.path("environment").path("PATH").asText()).isEqualTo("/usr/sbin:/usr/bin");
        assertThat(s.at("/sysctls/net.ipv4.ip_unprivileged_port_start").asText()).isEqualTo("0");
        assertThat(texts(s.path("volumes"))).containsExactly("app-var-cache-app:/var/cache/app");
        assertThat(compose.at("/volumes/app-var-cache-app").isObject()).isTrue();
        assertThat(compose.at("/volumes/app-var-cache-app").size()).isZero();
        assertThat(s.has("cap_add")).isFalse();
    }

    @Test
    void theSameWiringRendersTheSameBytes() {
        assertThat(ComposeFile.render(wire(TestPlans.phpFpmAndNginx())))
                .isEqualTo(ComposeFile.render(wire(TestPlans.phpFpmAndNginx())));
    }
}
