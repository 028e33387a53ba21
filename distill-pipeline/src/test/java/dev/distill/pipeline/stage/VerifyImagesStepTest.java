package dev.distill.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.assembly.LeftBehind;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.events.ImageBuilt;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.events.MigrationVerified;
import dev.distill.events.PackageSurface;
import dev.distill.events.Outcome;
import dev.distill.events.RepairRequested;
import dev.distill.events.Stage;
import dev.distill.pipeline.reports.ReportKind;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.testing.InMemoryPipeline;
import dev.distill.pipeline.testing.MemoryReportStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verification stage's protocol: verdicts, repair rounds and the report that records every round. */
class VerifyImagesStepTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ImageReference SOURCE = ImageReference.parse("127.0.0.1:5000/shop/php:1");

    private final InMemoryPipeline pipeline = new InMemoryPipeline();
    private final MemoryReportStore reports = new MemoryReportStore();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);
    private final StageRunner verifier = new StageRunner(Stage.VERIFY, pipeline, pipeline, clock, "test", Duration.ofSeconds(1));
    private final List<Integer> roundsVerified = new ArrayList<>();

    @Test
    void aRepairVerdictAsksTheBuilderForTheNextRoundAndTheFinalReportListsEveryRound() throws Exception {
        String id = "m-repair";
        start(id);
        ImageVerifier verdicts = (build, plan, platform, round) -> {
            roundsVerified.add(round);
            return round == 0
                    ? new ImageVerifier.Verdict(ImageVerifier.Kind.REPAIR, List.of("nginx: GET / answered 502, the source 200"),
                            Map.of("probe", "502"), List.of(new RepairRequested.MissingFile("nginx", "/etc/nginx/mime.types",
                                    "openat ENOENT")), null, 0, 0)
                    : new ImageVerifier.Verdict(ImageVerifier.Kind.SUCCEEDED, List.of("answers like its source"),
                            Map.of("probe", "200"), List.of(), null, 200_000_000, 9_000_000);
        };
        VerifyImagesStep step = new VerifyImagesStep(verdicts, reports, 1 << 20, clock);

        ImageBuilt first = built(id, 0, null);
        verifier.run(first, step);
        RepairRequested repair = only(RepairRequested.class);
        assertThat(repair.round()).isEqualTo(1);
        assertThat(repair.files()).extracting(RepairRequested.MissingFile::path).containsExactly("/etc/nginx/mime.types");
        assertThat(pipeline.find(id).orElseThrow().state()).isEqualTo(MigrationState.VERIFYING);

        // The build of round 0 comes again (a redelivery): overtaken by the repair, it is not verified again.
        assertThat(verifier.run(first, step)).isEqualTo(StageRunner.Result.SKIPPED_DUPLICATE);

        verifier.run(built(id, 1, repair.verification()), step);
        MigrationVerified verdict = only(MigrationVerified.class);
        assertThat(verdict.verdict()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(verdict.repairRounds()).isEqualTo(1);
        assertThat(verdict.resultSize()).isEqualTo(9_000_000);
        assertThat(verdict.sourceSize()).isEqualTo(200_000_000);
        assertThat(verdict.surfaceRemoved()).containsExactly("/bin/sh");
        assertThat(verdict.packageSurface()).isEqualTo(SURFACE);
        assertThat(roundsVerified).containsExactly(0, 1);
        JsonNode report = JSON.readTree(reports.get(verdict.reportLocation(), 1 << 20));
        assertThat(report.at("/rounds/0/outcome").asText()).isEqualTo("REPAIR");
        assertThat(report.at("/rounds/0/repairs/0/path").asText()).isEqualTo("/etc/nginx/mime.types");
        assertThat(report.at("/rounds/1/outcome").asText()).isEqualTo("SUCCEEDED");
        assertThat(report.at("/surfaceRemoved/items/0/path").asText()).isEqualTo("/bin/sh");
        assertThat(report.at("/surfaceRemoved/packages/packagesRemoved").asInt()).isEqualTo(119);
        assertThat(report.at("/surfaceRemoved/packages/remaining/0/name").asText()).isEqualTo("nginx");
        assertThat(pipeline.find(id).orElseThrow().outcome().packageSurface()).isEqualTo(SURFACE);
        assertThat(pipeline.find(id).orElseThrow().state()).isEqualTo(MigrationState.SUCCEEDED);
        assertThat(pipeline.find(id).orElseThrow().reports().get(Stage.VERIFY).location()).isEqualTo(verdict.reportLocation());
    }

    @Test
    void aVerificationThatCannotBeCarriedOutFailsTheMigrationWithTheReason() throws Exception {
        String id = "m-broken";
        start(id);
        VerifyImagesStep step = new VerifyImagesStep((build, plan, platform, round) -> {
            throw new java.io.IOException("registry 127.0.0.1:5000 refused the pull of the result");
        }, reports, 1 << 20, clock);

        verifier.run(built(id, 0, null), step);

        assertThat(pipeline.find(id).orElseThrow().state()).isEqualTo(MigrationState.FAILED);
        assertThat(pipeline.find(id).orElseThrow().reasons().get(0))
                .contains("the verification could not be carried out").contains("refused the pull");
    }

    private void start(String id) throws Exception {
        pipeline.publish(new MigrationRequested(id, clock.instant(), SOURCE.toString(), SOURCE.registry(), SOURCE.repository(),
                "1", null, MigrationOptions.DEFAULT, "api"));
        byte[] analysis = JSON.writeValueAsBytes(Map.of("subject", Map.of("reference", SOURCE.toString(), "digest",
                "sha256:" + "a".repeat(64), "platform", "linux/amd64"), "plan", new MigrationPlan(List.of(), List.of(), List.of())));
        String analysisLocation = reports.put(ReportKind.ANALYSIS, SOURCE, id, analysis).location();
        buildReport = reports.put(ReportKind.BUILD, SOURCE, id, JSON.writeValueAsBytes(new BuildReport(1, SOURCE.toString(),
                "sha256:" + "a".repeat(64), analysisLocation, List.of(), new LeftBehind(List.of(), List.of(), "dpkg"), 60_000_000,
                200_000_000, null))).location();
    }

    private String buildReport;

    private static final PackageSurface SURFACE = new PackageSurface("DPKG", 127, 119, 9000, 8700,
            List.of(new PackageSurface.Remaining("nginx", "1.22.1-9", true, 3, 40, 1_200_000, 1_500_000)));

    private ImageBuilt built(String id, int round, String previousVerification) {
        ImageBuilt b = new ImageBuilt(id, clock.instant().plusSeconds(round), List.of(new ImageBuilt.BuiltImage("nginx",
                SOURCE.repositoryLocation() + ":1-distroless-nginx", "sha256:" + "b".repeat(64), "b/base:latest",
                "sha256:" + "c".repeat(64), "33:33", 8_000_000, 20_000_000, 23)), 60_000_000, 200_000_000,
                new ImageBuilt.LeftBehind(List.of(new ImageBuilt.Item("SHELL", "sh", "/bin/sh", "sha256:" + "d".repeat(64))),
                        List.of("dash"), "dpkg", SURFACE), buildReport, "sha256:" + "e".repeat(64), round, previousVerification);
        pipeline.publish(b);
        return b;
    }

    private <T extends MigrationEvent> T only(Class<T> type) {
        List<T> found = pipeline.published().stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }
}
