package dev.distill.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.budget.Budget;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.registry.RegistryException;
import dev.distill.events.ImageBuilt;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationVerified;
import dev.distill.events.Outcome;
import dev.distill.events.RepairRequested;
import dev.distill.events.ReportStored;
import dev.distill.events.Stage;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.reports.ReportKind;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.pipeline.status.MigrationView;
import java.io.IOException;
import java.time.Clock;
import java.util.List;

/**
 * The verification stage: read the build report and the plan it followed, verify the build, store the report
 * (with every earlier round's), and end the migration with the verdict, or ask the builder for a repair round.
 */
public final class VerifyImagesStep implements StageStep<ImageBuilt> {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    private final ImageVerifier verifier;
    private final ReportStore reports;
    private final int maxReportBytes;
    private final Clock clock;

    public VerifyImagesStep(ImageVerifier verifier, ReportStore reports, int maxReportBytes, Clock clock) {
        this.verifier = verifier;
        this.reports = reports;
        this.maxReportBytes = maxReportBytes;
        this.clock = clock;
    }

    @Override
    public List<MigrationEvent> perform(ImageBuilt input, EventPublisher progress) throws StageFailure {
        if (input.reportLocation() == null) {
            throw StageFailure.failed("the build names no build report, so there is nothing to verify against");
        }
        StageContext context = StageContext.of(progress, input.migrationId(), Stage.VERIFY, clock);
        Budget.current().step("reading the build report " + input.reportLocation());
        BuildReport build = readBuild(input.reportLocation());
        Analysis analysis = Analysis.read(reports, build.analysisLocation(), null, maxReportBytes);
        context.checkpoint("verifying round " + input.round());
        ImageVerifier.Verdict verdict;
        Budget.current().step("verifying round " + input.round());
        try (StageProgressReporter reporter = context.progress(input.round())) {
            verdict = verifier.verify(build, analysis.plan(), analysis.platform(), input.round(), reporter);
        } catch (IOException | RuntimeException e) {
            throw StageFailure.failed("the verification could not be carried out: " + e.getMessage(), e);
        }
        context.checkpoint("storing the verification report of round " + input.round());
        ObjectNode report = roundsSoFar(input);
        ObjectNode round = ((ArrayNode) report.get("rounds")).addObject();
        round.put("round", input.round());
        round.put("build", input.reportLocation());
        round.put("outcome", verdict.kind().name());
        round.set("reasons", JSON.valueToTree(verdict.reasons()));
        round.set("repairs", JSON.valueToTree(verdict.repairs()));
        round.set("verification", JSON.valueToTree(verdict.report()));
        report.put("outcome", verdict.kind().name());
        // What the source had that the result has not: tools and privileged files, and packages and files counted.
        ObjectNode surface = report.putObject("surfaceRemoved");
        surface.set("items", JSON.valueToTree(input.leftBehind().items()));
        surface.set("packages", JSON.valueToTree(input.leftBehind().packageSurface()));
        ReportStore.Stored stored;
        Budget.current().step("storing the verification report");
        try {
            stored = reports.put(ReportKind.VERIFICATION, ImageReference.parse(build.source()), input.migrationId(),
                    JSON.writeValueAsBytes(report));
        } catch (IOException | RegistryException | IllegalArgumentException e) {
            throw StageFailure.failed("the verification finished (" + verdict.kind() + ") but its report could not be stored: "
                    + e.getMessage(), e);
        }
        context.publish(new ReportStored(input.migrationId(), clock.instant(), Stage.VERIFY, stored.location(),
                stored.digest(), verdict.kind().name()));
        context.checkpoint(verdict.kind() == ImageVerifier.Kind.REPAIR ? "asking for repair round " + (input.round() + 1)
                : "publishing the verdict");
        if (verdict.kind() == ImageVerifier.Kind.REPAIR) {
            return List.of(new RepairRequested(input.migrationId(), clock.instant(), input.round() + 1,
                    input.reportLocation(), verdict.repairs(), stored.location()));
        }
        List<String> removed = input.leftBehind().items().stream().map(ImageBuilt.Item::path).toList();
        return List.of(new MigrationVerified(input.migrationId(), clock.instant(), Outcome.valueOf(verdict.kind().name()),
                verdict.reasons(), verdict.sourceSize(), verdict.resultSize(), removed, verdict.evidence(),
                input.round(), stored.location(), stored.digest(), input.leftBehind().packageSurface()));
    }

    /** Each round's build is verified on its own. */
    @Override
    public String workKey(ImageBuilt input) {
        return input.type().ceType() + "#" + input.round();
    }

    /** A build of a round that a later repair round has overtaken is not verified. */
    @Override
    public boolean alreadyHandled(ImageBuilt input, MigrationView view, Stage stage) {
        return view.stage(stage).ended() || view.state().isFinal() || input.round() < view.repairRound();
    }

    private BuildReport readBuild(String location) throws StageFailure {
        try {
            return JSON.readValue(reports.get(location, maxReportBytes), BuildReport.class);
        } catch (IOException | RegistryException | IllegalArgumentException e) {
            throw StageFailure.failed("cannot read the build report at " + location + ": " + e.getMessage(), e);
        }
    }

    /** The report so far: the rounds of the verification report before this one, when this build is a repair. */
    private ObjectNode roundsSoFar(ImageBuilt input) throws StageFailure {
        ObjectNode report = JSON.createObjectNode();
        report.put("schemaVersion", 1);
        report.put("migrationId", input.migrationId());
        ArrayNode rounds = report.putArray("rounds");
        if (input.previousVerification() != null) {
            try {
                JsonNode previous = JSON.readTree(reports.get(input.previousVerification(), maxReportBytes));
                previous.path("rounds").forEach(rounds::add);
            } catch (IOException | RegistryException e) {
                throw StageFailure.failed("cannot read the verification report of the round before at "
                        + input.previousVerification() + ": " + e.getMessage(), e);
            }
        }
        return report;
    }
}
