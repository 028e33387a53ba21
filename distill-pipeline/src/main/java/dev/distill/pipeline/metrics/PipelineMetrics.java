package dev.distill.pipeline.metrics;

import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import java.time.Duration;

/**
 * The measurements the pipeline makes, as a port: the services implement it with a metrics library; the
 * framework-free modules only call it. Every argument is a bounded value (an enum or a {@link TriggerLabel}), never
 * a migration id or an image name, so an implementation can use them as labels.
 */
public interface PipelineMetrics {

    /** Measures nothing: for tools and tests that do not care. */
    PipelineMetrics NONE = new PipelineMetrics() {
    };

    /** A migration was asked for (the intake published {@code MigrationRequested}). */
    default void migrationRequested(TriggerLabel trigger) {
    }

    /**
     * A stage ended for one migration.
     *
     * @param took from the stage's start to its end as this instance saw them; null when this instance did not see the
     *     start (an unreadable input ends the stage without one)
     */
    default void stageEnded(Stage stage, StageOutcome outcome, Duration took) {
    }

    /** A migration reached its final state: the verdict, or a stage that could not finish. */
    default void migrationEnded(MigrationEnding ending) {
    }

    /** The verifier asked the builder for repair round {@code round}. */
    default void repairRequested(int round) {
    }

    /** A first build left {@code items} things of one kind behind (shells, package managers, setuid files ...). */
    default void surfaceLeftBehind(SurfaceKind kind, int items) {
    }

    /**
     * How a migration ended.
     *
     * @param stage the stage that ended it (VERIFY for a verdict)
     * @param sinceRequest from the request (API call or registry notification) to the end; null when the request is
     *     not known to this instance
     * @param repairRounds the repair rounds the verification asked for (0 when it ended before verification)
     * @param sourceBytes the source's layers, uncompressed; 0 when not measured (the migration ended before a verdict)
     * @param resultBytes the results with their bases, uncompressed; 0 when not measured
     */
    record MigrationEnding(Outcome outcome, Stage stage, ReasonClass reasonClass, TriggerLabel trigger,
            Duration sinceRequest, int repairRounds, long sourceBytes, long resultBytes) {

        public MigrationEnding {
            if (outcome == null || stage == null || reasonClass == null || trigger == null) {
                throw new IllegalArgumentException("an ending needs outcome, stage, reason class and trigger, got "
                        + outcome + ", " + stage + ", " + reasonClass + ", " + trigger);
            }
            if (repairRounds < 0 || sourceBytes < 0 || resultBytes < 0) {
                throw new IllegalArgumentException("negative repair rounds or sizes: " + repairRounds + ", " + sourceBytes
                        + ", " + resultBytes);
            }
        }

        /** Whether both sizes were measured, so a size ratio means something. */
        public boolean sized() {
            return sourceBytes > 0 && resultBytes > 0;
        }
    }
}
