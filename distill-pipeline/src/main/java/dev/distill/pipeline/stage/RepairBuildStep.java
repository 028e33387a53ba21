package dev.distill.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.registry.RegistryException;
import dev.distill.events.MigrationEvent;
import dev.distill.events.RepairRequested;
import dev.distill.events.Stage;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.pipeline.status.MigrationView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A self-repair round, on the builder's side: the verifier found files a result program failed to open that its
 * source has; build again from the same analysis with those files added, and hand the new build to the verifier.
 * Runs on behalf of the verification (its failures end the VERIFY stage), since the first build already ended.
 */
public final class RepairBuildStep implements StageStep<RepairRequested> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BuildImagesStep build;
    private final ReportStore reports;
    private final int maxReportBytes;

    public RepairBuildStep(BuildImagesStep build, ReportStore reports, int maxReportBytes) {
        this.build = build;
        this.reports = reports;
        this.maxReportBytes = maxReportBytes;
    }

    @Override
    public List<MigrationEvent> perform(RepairRequested input, EventPublisher progress) throws StageFailure {
        String analysis;
        try {
            JsonNode previous = JSON.readTree(reports.get(input.buildReport(), maxReportBytes));
            analysis = previous.path("analysisLocation").asText(null);
        } catch (IOException | RegistryException e) {
            throw StageFailure.failed("repair round " + input.round() + ": cannot read the build report at "
                    + input.buildReport() + ": " + e.getMessage(), e);
        }
        if (analysis == null || analysis.isBlank()) {
            throw StageFailure.failed("repair round " + input.round() + ": the build report at " + input.buildReport()
                    + " does not say which analysis it followed");
        }
        Map<String, List<String>> repairs = new LinkedHashMap<>();
        for (RepairRequested.MissingFile f : input.files()) {
            repairs.computeIfAbsent(f.program(), p -> new ArrayList<>()).add(f.path());
        }
        try {
            return List.of(build.build(input.migrationId(), analysis, null, repairs, input.round(), input.verification(),
                    progress));
        } catch (StageFailure f) {
            throw StageFailure.failed("repair round " + input.round() + ": " + f.getMessage(), f);
        }
    }

    @Override
    public String workKey(RepairRequested input) {
        return input.type().ceType() + "#" + input.round();
    }

    /** Handled once a build of this round (or a later one) exists, or the migration has ended. */
    @Override
    public boolean alreadyHandled(RepairRequested input, MigrationView view, Stage stage) {
        return view.state().isFinal() || view.stage(Stage.VERIFY).ended() || view.buildRound() >= input.round();
    }
}
