package dev.distill.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.registry.RegistryException;
import dev.distill.events.MigrationEvent;
import dev.distill.events.RepairRequested;
import dev.distill.events.Stage;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.pipeline.status.MigrationView;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A self-repair round, on the builder's side: the verifier found files a result program needs that its source has
 * (used in the source's run, or failed to open in the result's); build again from the same analysis with those and
 * every earlier round's files added, and hand the new build to the verifier.
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
        JsonNode previous;
        try {
            previous = JSON.readTree(reports.get(input.buildReport(), maxReportBytes));
        } catch (IOException | RegistryException e) {
            throw StageFailure.failed("repair round " + input.round() + ": cannot read the build report at "
                    + input.buildReport() + ": " + e.getMessage(), e);
        }
        String analysis = previous.path("analysisLocation").asText(null);
        if (analysis == null || analysis.isBlank()) {
            throw StageFailure.failed("repair round " + input.round() + ": the build report at " + input.buildReport()
                    + " does not say which analysis it followed");
        }
        try {
            return List.of(build.build(input.migrationId(), analysis, null, repairsSoFar(previous, input), input.round(),
                    input.verification(), progress));
        } catch (StageFailure f) {
            throw StageFailure.failed("repair round " + input.round() + ": " + f.getMessage(), f);
        } catch (IllegalArgumentException e) {
            throw StageFailure.failed("repair round " + input.round() + ": the build report at " + input.buildReport()
                    + " lists a repaired file that makes no sense: " + e.getMessage(), e);
        }
    }

    @Override
    public String workKey(RepairRequested input) {
        return input.type().ceType() + "#" + input.round();
    }

    /**
     * What this round builds with: every file earlier rounds asked for (the build report of the round before lists
     * them with their round) and this round's, each once, with the round that first asked for it. A round carries
     * all of them, not only its own, since every build starts again from the analysis.
     */
    static List<ImageAssembler.Repair> repairsSoFar(JsonNode previousBuild, RepairRequested input) {
        Map<String, ImageAssembler.Repair> repairs = new LinkedHashMap<>();
        for (JsonNode image : previousBuild.path("images")) {
            String program = image.path("program").asText();
            for (JsonNode f : image.path("repaired")) {
                ImageAssembler.Repair r = new ImageAssembler.Repair(program, f.path("requested").asText(),
                        f.path("round").asInt(), f.path("reason").asText(null));
                repairs.putIfAbsent(r.program() + "\0" + r.path(), r);
            }
        }
        for (RepairRequested.MissingFile f : input.files()) {
            ImageAssembler.Repair r = new ImageAssembler.Repair(f.program(), f.path(), input.round(), f.seen());
            repairs.putIfAbsent(r.program() + "\0" + r.path(), r);
        }
        return List.copyOf(repairs.values());
    }

    /** Handled once a build of this round (or a later one) exists, or the migration has ended. */
    @Override
    public boolean alreadyHandled(RepairRequested input, MigrationView view, Stage stage) {
        return view.state().isFinal() || view.stage(Stage.VERIFY).ended() || view.buildRound() >= input.round();
    }
}
