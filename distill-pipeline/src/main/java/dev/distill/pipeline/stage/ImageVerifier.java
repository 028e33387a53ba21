package dev.distill.pipeline.stage;

import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.image.Platform;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.progress.ProgressListener;
import dev.distill.events.MigrationVerified;
import dev.distill.events.RepairRequested;
import java.io.IOException;
import java.util.List;

/** Checks one build of a migration: statically, by structure tests and by running it beside its source. */
@FunctionalInterface
public interface ImageVerifier {

    /**
     * @param round 0 for the first build, n after the n-th repair
     * @return the verdict; a failed check is a verdict, not an exception
     * @throws IOException when the verification itself could not be carried out (registry, disk)
     */
    Verdict verify(BuildReport build, MigrationPlan plan, Platform platform, int round) throws IOException;

    /** Like {@link #verify(BuildReport, MigrationPlan, Platform, int)}, telling {@code progress} how far it is. */
    default Verdict verify(BuildReport build, MigrationPlan plan, Platform platform, int round, ProgressListener progress)
            throws IOException {
        return verify(build, plan, platform, round);
    }

    /** What the verification concluded. */
    enum Kind { SUCCEEDED, NEEDS_REVIEW, FAILED, REPAIR }

    /**
     * @param report the full verification of this round, JSON-serialisable
     * @param repairs for {@link Kind#REPAIR}: the files to add
     * @param sourceSize the source image's layers, uncompressed
     * @param resultSize the result images, uncompressed, summed over programs (each with its base)
     */
    record Verdict(Kind kind, List<String> reasons, Object report, List<RepairRequested.MissingFile> repairs,
            MigrationVerified.Evidence evidence, long sourceSize, long resultSize) {

        public Verdict {
            if (kind == null) {
                throw new IllegalArgumentException("a verdict needs a kind");
            }
            reasons = reasons == null ? List.of() : List.copyOf(reasons);
            repairs = repairs == null ? List.of() : List.copyOf(repairs);
            if (kind == Kind.REPAIR && repairs.isEmpty()) {
                throw new IllegalArgumentException("a repair verdict names the files to add");
            }
        }
    }
}
