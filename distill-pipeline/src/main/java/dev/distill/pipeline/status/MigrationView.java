package dev.distill.pipeline.status;

import dev.distill.events.ImageBuilt;
import dev.distill.events.ImageResolved;
import dev.distill.events.MigrationOptions;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.events.StageProgress;
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
 * @param progress the latest progress report of each stage
 * @param cancellation who cancelled the migration and when; null unless someone did (the state says whether it
 *     ended CANCELLED or had ended otherwise before)
 * @param claims the instances' claims on this migration's inputs, in the order they were made (the last
 *     {@value #MAX_CLAIMS} at most)
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
        Result outcome,
        Map<Stage, StageProgress> progress,
        Cancellation cancellation,
        List<Claim> claims) {

    /** Claims kept per migration: enough for every takeover a migration plausibly sees. */
    public static final int MAX_CLAIMS = 32;

    public MigrationView {
        stages = stages == null ? Map.of() : Map.copyOf(stages);
        reports = reports == null ? Map.of() : Map.copyOf(reports);
        results = results == null ? List.of() : List.copyOf(results);
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        progress = progress == null ? Map.of() : Map.copyOf(progress);
        claims = claims == null ? List.of() : List.copyOf(claims);
    }

    /** A view without progress reports, cancellation or claims. */
    public MigrationView(String id, MigrationState state, Source source, Map<Stage, StageRecord> stages, Resolved resolved,
            Map<Stage, Report> reports, List<ImageBuilt.BuiltImage> results, Outcome verdict, List<String> reasons,
            Instant requestedAt, Instant updatedAt, int buildRound, int repairRound, Result outcome) {
        this(id, state, source, stages, resolved, reports, results, verdict, reasons, requestedAt, updatedAt, buildRound,
                repairRound, outcome, Map.of(), null, List.of());
    }

    /** The claims on one input of one stage, oldest first. */
    public List<Claim> claimsOn(Stage stage, String work) {
        return claims.stream().filter(c -> c.stage() == stage && c.work().equals(work)).toList();
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

    /**
     * The source image as requested.
     *
     * @param attemptOf for a re-run, the first migration of the same image; null for a first attempt
     * @param attempt 1 for a first attempt, n for the n-th run
     * @param requestedBy the API token's name that asked, or null
     */
    public record Source(String image, String registry, String repository, String tag, String digest,
            MigrationOptions options, String trigger, String attemptOf, int attempt, String requestedBy) {

        public Source(String image, String registry, String repository, String tag, String digest,
                MigrationOptions options, String trigger) {
            this(image, registry, repository, tag, digest, options, trigger, null, 1, null);
        }

        /** The first migration of this image: this one, or the one it re-runs. */
        public String firstAttempt(String ownId) {
            return attemptOf != null ? attemptOf : ownId;
        }
    }

    /** Someone stopped the migration: who (the API token's name), when, and why if they said. */
    public record Cancellation(String by, Instant at, String reason) {
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
