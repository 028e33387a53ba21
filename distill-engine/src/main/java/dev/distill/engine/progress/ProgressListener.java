package dev.distill.engine.progress;

/**
 * Hears how far a long piece of work has come. Called on the working thread (sometimes a reader thread of a
 * layer), possibly often: an implementation must be quick, thread-safe and must not throw; it decides itself how
 * often to pass a report on.
 */
@FunctionalInterface
public interface ProgressListener {

    /** Hears nothing. */
    ProgressListener NONE = progress -> { };

    void progress(Progress progress);
}
