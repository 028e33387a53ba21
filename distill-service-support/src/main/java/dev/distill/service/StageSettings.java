package dev.distill.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code distill.stage.*}: how a service's stage runs its inputs (see {@link dev.distill.pipeline.stage.StageRunner}). */
@ConfigMapping(prefix = "distill.stage")
public interface StageSettings {

    /**
     * How long one input may take (one analysis, one build, one verification round). When it is spent, what the work
     * is blocked in is aborted and the migration ends FAILED saying what it was doing.
     */
    @WithDefault("20m")
    Duration budget();

    /** How long abandoned work may take to unwind after its budget before the service reports itself unhealthy. */
    @WithDefault("2m")
    Duration grace();

    /** How often an instance that waits for another instance's claimed work checks on it. */
    @WithDefault("2s")
    Duration watchInterval();

    /**
     * How many inputs one instance works on at once. Also the {@code max-concurrency} of each channel's worker pool,
     * which makes the messaging layer hand over at most this many unacknowledged inputs.
     */
    @WithDefault("4")
    int concurrency();
}
