package dev.distill.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private static final Instant AT = Instant.parse("2026-11-27T10:15:30.123Z");

    @Test
    void everyEventTypeRoundTripsThroughJson() {
        List<MigrationEvent> events = List.of(
                new MigrationRequested("m-1", AT, "127.0.0.1:5000/demo/app:1", "127.0.0.1:5000", "demo/app", "1",
                        "sha256:" + "a".repeat(64), new MigrationOptions("linux/arm64"), "api"),
                new StageStarted("m-1", AT, Stage.ANALYZE, "analyzer-1"),
                new StageStarted("m-1", AT, Stage.VERIFY, "verifier-svc@12@host/0a1b2c3d", "dev.distill.image.built.v1#1",
                        AT.plusSeconds(1200)),
                new ImageResolved("m-1", AT, "sha256:" + "a".repeat(64), "sha256:" + "b".repeat(64),
                        "application/vnd.oci.image.manifest.v1+json", "linux/amd64",
                        new ImageResolved.RuntimeConfig(List.of("/entry"), List.of("php-fpm"), "nobody",
                                List.of("PATH=/usr/bin"), List.of("9000/tcp"), "/app", "SIGQUIT", Map.of("a", "b")),
                        List.of(new ImageResolved.Layer("sha256:" + "c".repeat(64), "application/vnd.oci.image.layer.v1.tar+gzip", 42))),
                new ReportStored("m-1", AT, Stage.ANALYZE, "127.0.0.1:5000/distill/reports@sha256:" + "f".repeat(64),
                        "sha256:" + "f".repeat(64), "MIGRATABLE"),
                new ImageAnalyzed("m-1", AT, "/api/migrations/m-1/analysis", "sha256:" + "d".repeat(64), List.of("nginx")),
                new ImageBuilt("m-1", AT, List.of(new ImageBuilt.BuiltImage("nginx", "r/x:1-distroless-nginx", "sha256:" + "e".repeat(64), "r/distill/base:nonroot", "sha256:" + "f".repeat(64), "33:33", 5_000_000, 20_000_000, 23)), 60_000_000, 200_000_000, new ImageBuilt.LeftBehind(List.of(new ImageBuilt.Item("SHELL", "bash", "/bin/bash", "sha256:" + "1".repeat(64))), List.of("bash", "nginx"), "dpkg (/var/lib/dpkg/status)"), "r/distill/reports@sha256:" + "2".repeat(64), "sha256:" + "2".repeat(64), 1, "r/distill/reports@sha256:" + "3".repeat(64)),
                new RepairRequested("m-1", AT, 1, "r/distill/reports@sha256:" + "2".repeat(64),
                        List.of(new RepairRequested.MissingFile("nginx", "/etc/nginx/mime.types", "openat ENOENT")),
                        "r/distill/reports@sha256:" + "4".repeat(64)),
                new MigrationVerified("m-1", AT, Outcome.NEEDS_REVIEW, List.of("no HTTP port"), 60_000_000, 9_000_000,
                        List.of("/bin/bash"), new MigrationVerified.Evidence(List.of(new MigrationVerified.Probe("GET :8080/",
                        true, "200", "200")), "started", new MigrationVerified.StructureTests(12, 0, 1), List.of("elf: passed")),
                        0, "r/distill/reports@sha256:" + "5".repeat(64), "sha256:" + "5".repeat(64)),
                new MigrationVerified("m-1", AT, Outcome.SUCCEEDED, List.of(), 60_000_000, 9_000_000, List.of("/bin/sh"),
                        MigrationVerified.Evidence.NONE, 0, null, null, new PackageSurface("DPKG", 127, 100, 9000, 8000,
                        List.of(new PackageSurface.Remaining("libc6", "2.36-9", true, 20, 40, 3_000_000, 12_000_000)))),
                new StageFailed("m-1", AT, Stage.BUILD, Outcome.BLOCKED, "needs a shell"),
                new StageProgress("m-1", AT, Stage.ANALYZE, 0, "read-layers", List.of(
                        new StageProgress.Counter("layers", 2, 5), new StageProgress.Counter("bytes", 1_000, 34_000_000))),
                new MigrationCancelled("m-1", AT, "operator", "wrong tag"),
                new MigrationRequested("m-2", AT, "127.0.0.1:5000/demo/app:1", "127.0.0.1:5000", "demo/app", "1",
                        "sha256:" + "a".repeat(64), MigrationOptions.DEFAULT, "rerun", "m-1", 2, "operator"));
        for (MigrationEvent event : events) {
            String json = EventCodec.encode(event);
            MigrationEvent back = EventCodec.decode(event.type().ceType(), json.getBytes(StandardCharsets.UTF_8));
            assertThat(back).isEqualTo(event);
            assertThat(json).contains("\"occurredAt\":\"2026-11-27T10:15:30.123Z\"");
        }
    }

    @Test
    void aVerdictFromBeforePackageCountsReadsAsUnknown() {
        String json = "{\"migrationId\":\"m-9\",\"occurredAt\":\"2026-01-01T00:00:00Z\",\"verdict\":\"SUCCEEDED\","
                + "\"sourceSize\":10,\"resultSize\":5,\"repairRounds\":0,\"surfaceRemoved\":[\"/bin/sh\"]}";
        MigrationVerified old = EventCodec.decode(json, MigrationVerified.class);
        assertThat(old.packageSurface()).isEqualTo(PackageSurface.UNKNOWN);
        String built = "{\"migrationId\":\"m-9\",\"occurredAt\":\"2026-01-01T00:00:00Z\",\"round\":0,"
                + "\"sourceCompressedSize\":1,\"sourceUncompressedSize\":2,\"leftBehind\":{\"items\":[],\"packages\":[\"bash\"],\"packageDatabase\":\"dpkg\"}}";
        assertThat(EventCodec.decode(built, ImageBuilt.class).leftBehind().packageSurface()).isEqualTo(PackageSurface.UNKNOWN);
    }

    @Test
    void eachTypeHasItsOwnCloudEventsTypeAndATopic() {
        assertThat(EventType.values()).extracting(EventType::ceType).doesNotHaveDuplicates()
                .allMatch(t -> t.startsWith("dev.distill.") && t.endsWith(".v1"));
        assertThat(EventType.values()).extracting(EventType::topic).allMatch(Topics.EVENT_TOPICS::contains);
    }

    @Test
    void aRequestWrittenBeforeAttemptsExistedReadsAsAFirstAttempt() {
        String json = "{\"migrationId\":\"m-9\",\"occurredAt\":\"2026-01-01T00:00:00Z\",\"image\":\"r:5000/a/b:1\","
                + "\"registry\":\"r:5000\",\"repository\":\"a/b\",\"tag\":\"1\",\"digest\":null,"
                + "\"options\":{\"platform\":\"linux/amd64\"},\"trigger\":\"api\"}";
        MigrationRequested r = EventCodec.decode(json, MigrationRequested.class);
        assertThat(r.attempt()).isEqualTo(1);
        assertThat(r.attemptOf()).isNull();
        assertThat(r.requestedBy()).isNull();
    }

    @Test
    void aReRunNamesTheMigrationItRepeatsAndAVerdictIsNeverCancelled() {
        assertThatThrownBy(() -> new MigrationRequested("m-2", AT, "r:5000/a/b:1", "r:5000", "a/b", "1", null,
                MigrationOptions.DEFAULT, "rerun", null, 2, "operator"))
                .hasMessageContaining("attempt 2 must name the migration it re-runs");
        assertThatThrownBy(() -> new MigrationVerified("m-1", AT, Outcome.CANCELLED, List.of(), 0, 0, List.of(), null, 0,
                null, null)).hasMessageContaining("got CANCELLED");
        assertThatThrownBy(() -> new StageProgress("m-1", AT, Stage.BUILD, 0, "assemble",
                List.of(new StageProgress.Counter("files", -1, 3)))).hasMessageContaining("files must not be negative");
    }

    @Test
    void twoProgressReportsInOneMillisecondHaveDistinctIds() {
        StageProgress last = new StageProgress("m-1", AT, Stage.BUILD, 0, "read-source", List.of());
        StageProgress next = new StageProgress("m-1", AT, Stage.BUILD, 0, "assemble", List.of());
        assertThat(last.eventId()).isNotEqualTo(next.eventId());
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        String json = "{\"migrationId\":\"m-9\",\"occurredAt\":\"2026-01-01T00:00:00Z\",\"stage\":\"VERIFY\","
                + "\"instance\":\"v\",\"addedInV1_1\":true}";
        assertThat(EventCodec.decode(json, StageStarted.class).stage()).isEqualTo(Stage.VERIFY);
        // ... and a start written before claims existed reads as one without a claim.
        assertThat(EventCodec.decode(json, StageStarted.class).work()).isNull();
    }

    @Test
    void poisonPayloadsAreUnreadableWithAReason() {
        assertThatThrownBy(() -> EventCodec.decode("not json", MigrationRequested.class))
                .isInstanceOf(EventCodec.UnreadableEventException.class).hasMessageContaining("MigrationRequested");
        assertThatThrownBy(() -> EventCodec.decode("{\"migrationId\":\"\",\"occurredAt\":\"2026-01-01T00:00:00Z\"}",
                StageStarted.class))
                .isInstanceOf(EventCodec.UnreadableEventException.class).hasMessageContaining("migrationId is required");
        assertThatThrownBy(() -> EventCodec.decode("", StageFailed.class))
                .isInstanceOf(EventCodec.UnreadableEventException.class).hasMessageContaining("empty payload");
        assertThatThrownBy(() -> EventCodec.decode("dev.distill.nope.v9", new byte[0]))
                .isInstanceOf(EventCodec.UnreadableEventException.class).hasMessageContaining("dev.distill.nope.v9");
    }

    @Test
    void aStageFailsOnlyAsFailedOrBlocked() {
        assertThatThrownBy(() -> new StageFailed("m", AT, Stage.ANALYZE, Outcome.SUCCEEDED, "x"))
                .hasMessageContaining("SUCCEEDED");
    }
}
