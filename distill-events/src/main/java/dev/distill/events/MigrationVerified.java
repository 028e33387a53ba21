package dev.distill.events;

import java.time.Instant;
import java.util.List;

/**
 * The verifier's verdict, the migration's final result: SUCCEEDED, NEEDS_REVIEW, BLOCKED or FAILED with the
 * reasons, the size of the source and of the result, the attack surface removed, and the evidence. The full
 * verification report (every check, probe, structure test and repair round) is fetched by reference.
 *
 * @param sourceSize the source image's layers, uncompressed (tar bytes)
 * @param resultSize the result images, uncompressed, summed over programs (each with its base)
 * @param surfaceRemoved shells, package managers, setuid files and the like the source had and the result has not
 * @param repairRounds how many repair builds the verification asked for
 * @param packageSurface the surface removed in packages and files: how many of the source's are gone, which
 *     packages remain (in full or in part) and their size
 */
public record MigrationVerified(String migrationId, Instant occurredAt, Outcome verdict, List<String> reasons,
        long sourceSize, long resultSize, List<String> surfaceRemoved, Evidence evidence, int repairRounds,
        String reportLocation, String reportDigest, PackageSurface packageSurface) implements MigrationEvent {

    public MigrationVerified {
        MigrationEvent.require(migrationId, "migrationId");
        if (verdict == null || verdict == Outcome.CANCELLED) {
            throw new IllegalArgumentException("a verdict is SUCCEEDED, NEEDS_REVIEW, BLOCKED or FAILED, got " + verdict);
        }
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        surfaceRemoved = surfaceRemoved == null ? List.of() : List.copyOf(surfaceRemoved);
        evidence = evidence == null ? Evidence.NONE : evidence;
        packageSurface = packageSurface == null ? PackageSurface.UNKNOWN : packageSurface;
    }

    public MigrationVerified(String migrationId, Instant occurredAt, Outcome verdict, List<String> reasons,
            long sourceSize, long resultSize, List<String> surfaceRemoved, Evidence evidence, int repairRounds,
            String reportLocation, String reportDigest) {
        this(migrationId, occurredAt, verdict, reasons, sourceSize, resultSize, surfaceRemoved, evidence, repairRounds,
                reportLocation, reportDigest, PackageSurface.UNKNOWN);
    }

    /**
     * What the verdict rests on.
     *
     * @param probes each probe against the result, and against the source where compared
     * @param logExcerpt the last lines the result's programs wrote
     * @param structureTests passed, failed and skipped counts of the structure tests
     */
    public record Evidence(List<Probe> probes, String logExcerpt, StructureTests structureTests, List<String> staticChecks) {

        public static final Evidence NONE = new Evidence(List.of(), "", new StructureTests(0, 0, 0), List.of());

        public Evidence {
            probes = probes == null ? List.of() : List.copyOf(probes);
            staticChecks = staticChecks == null ? List.of() : List.copyOf(staticChecks);
            logExcerpt = logExcerpt == null ? "" : logExcerpt;
            structureTests = structureTests == null ? new StructureTests(0, 0, 0) : structureTests;
        }
    }

    /** One probe: what was asked, what the result answered and what the source answered (null when not compared). */
    public record Probe(String name, boolean passed, String result, String source) {
    }

    public record StructureTests(int passed, int failed, int skipped) {
    }
}
