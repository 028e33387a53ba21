package dev.distill.engine.progress;

import java.util.List;

/**
 * One report: the step the work is in and what it counts there.
 *
 * @param step a short name of the step, such as {@code read-layers}, {@code assemble}, {@code pull}, {@code check}
 *     or {@code run}
 */
public record Progress(String step, List<Counter> counters) {

    public Progress {
        if (step == null || step.isBlank()) {
            throw new IllegalArgumentException("a progress report names its step, got '" + step + "'");
        }
        counters = List.copyOf(counters);
    }

    public static Progress of(String step, Counter... counters) {
        return new Progress(step, List.of(counters));
    }

    /**
     * How much of one quantity is done.
     *
     * @param total 0 when not known
     */
    public record Counter(String name, long done, long total) {
        public Counter {
            if (done < 0 || total < 0) {
                throw new IllegalArgumentException(name + ": done and total must not be negative, got " + done + " of " + total);
            }
        }
    }

    public static Counter count(String name, long done, long total) {
        return new Counter(name, done, total);
    }
}
