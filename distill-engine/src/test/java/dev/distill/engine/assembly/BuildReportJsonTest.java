package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The build report is read back by the verifier and the status API: what the builder baked survives the trip. */
class BuildReportJsonTest {

    @Test
    void bakedEntriesAndRolesRoundTrip() throws Exception {
        BuildReport.Image init = new BuildReport.Image("init-php-artisan-migrate", "INIT", "r/app:1-distroless-init",
                "sha256:" + "a".repeat(64), "r/distill/base:nonroot", "sha256:" + "b".repeat(64), "33:33", "why", 12, 1, 2,
                List.of(new FileChange("/x", "owner 0:0 -> 33:33")), List.of(new BakedEntry(
                        "/var/www/html/bootstrap/cache/config.php", "made", "REGULAR", 0644, 0, 0,
                        "/usr/local/bin/docker-entrypoint.sh:11 php artisan config:cache")), ResultContents.NONE, List.of());
        BuildReport.Image plain = new BuildReport.Image("nginx", "r/app:1-distroless-nginx", "sha256:" + "c".repeat(64),
                "base", "sha256:" + "d".repeat(64), "33:33", "why", 1, 1, 1, List.of());
        BuildReport report = new BuildReport(BuildReport.SCHEMA_VERSION, "r/app:1", "sha256:" + "e".repeat(64), "loc",
                List.of(init, plain), new LeftBehind(List.of(), List.of(), "none"), 1, 2, null);
        ObjectMapper json = new ObjectMapper();
        BuildReport back = json.readValue(json.writeValueAsString(report), BuildReport.class);
        assertThat(back).isEqualTo(report);
        assertThat(back.images().get(1).role()).isEqualTo("PROGRAM");
        assertThat(back.images().get(1).baked()).isEmpty();
    }
}
