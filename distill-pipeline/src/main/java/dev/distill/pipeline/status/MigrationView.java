package dev.distill.pipeline.status;

import dev.distill.events.ImageBuilt;
import dev.distill.events.ImageResolved;
import dev.distill.events.MigrationOptions;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Everything known about one migration, as the status API shows it. Immutable: the projection derives a
 * new view from the previous one and an event.
 *
 * @param source what was asked for; null while only later events of the migration have been read
 * @param resolved what the reference resolved to in the registry, once the analyzer found it
 * @param reports each stage's stored report, by stage
 * @param results the pushed result images
 * @param verdict the verifier's verdict, null until verification ended
 * @param reasons why the migration ended as it did (verdict reasons, or the failing stage's reason)
 * @param buildRound the round of the latest build seen: 0 for the first, n after the n-th repair
 * @param repairRound the latest repair round the verifier asked for (0: none)
 * @param outcome the verifier's result: sizes, surface removed and evidence; null until verified
 */
public record MigrationView(
        String id,
        MigrationState state,
        Source source,
        Map<Stage, StageRecord> stages,
        Resolved resolved,
        Map<Stage, Report> reports,
        List<ImageBuilt.BuiltImage> results,
        Outcome verdict,
        List<String> reasons,
        Instant requestedAt,
        Instant updatedAt,
        int buildRound,
        int repairRound,
        Result outcome) {

    public MigrationView {
        stages = stages == null ? Map.of() : Map.copyOf(stages);
        reports = reports == null ? Map.of() : Map.copyOf(reports);
        results = results == null ? List.of() : List.copyOf(results);
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    public StageRecord stage(Stage stage) {
        return stages.getOrDefault(stage, StageRecord.NOT_STARTED);
    }

    /** Stage records in pipeline order, including stages not started yet. */
    public Map<Stage, StageRecord> allStages() {
        Map<Stage, StageRecord> all = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            all.put(s, stage(s));
        }
        return all;
    }

    /** The source image as requested. */
    public record Source(String image, String registry, String repository, String tag, String digest,
            MigrationOptions options, String trigger) {
    }

    /**
     * What the verification established, as the results topic published it.
     *
     * @param sourceSize the source's layers, uncompressed; {@code resultSize} the result's (shared layers once)
     * @param packageSurface the surface removed in packages and files, and the packages that remain
     */
    public record Result(long sourceSize, long resultSize, List<String> surfaceRemoved,
            dev.distill.events.MigrationVerified.Evidence evidence, int repairRounds,
            dev.distill.events.PackageSurface packageSurface) {
    }

    /** Where a stage's full report is, and its summary verdict. */
    public record Report(String location, String digest, String classification) {
    }

    /** The manifest the analyzer resolved, with the configuration and layers it found. */
    public record Resolved(String digest, String manifestDigest, String manifestMediaType, String platform,
            ImageResolved.RuntimeConfig config, List<ImageResolved.Layer> layers) {
    }
}
