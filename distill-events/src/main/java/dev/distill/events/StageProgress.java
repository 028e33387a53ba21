package dev.distill.events;

import java.time.Instant;
import java.util.List;

/**
 * How far a running stage has come: numbers only (layers and bytes read, files carried, probes run), never data.
 * Stages publish it throttled (about once a second per stage and step), so it is cheap to keep and to show; the
 * last one of each stage is what the status view keeps.
 *
 * @param round 0 for the first build and its verification, n for the n-th repair round
 * @param step what the stage is doing, a short name such as {@code read-layers}, {@code assemble} or {@code run}
 * @param counters what is counted in that step, each with how much is done of how much (0 when the total is unknown)
 */
public record StageProgress(String migrationId, Instant occurredAt, Stage stage, int round, String step,
        List<Counter> counters) implements MigrationEvent {

    public StageProgress {
        MigrationEvent.require(migrationId, "migrationId");
        MigrationEvent.require(step, "step");
        if (stage == null || occurredAt == null) {
            throw new IllegalArgumentException("stage and occurredAt are required, got " + stage + ", " + occurredAt);
        }
        if (round < 0) {
            throw new IllegalArgumentException("round must be >= 0, got " + round);
        }
        counters = counters == null ? List.of() : List.copyOf(counters);
    }

    /** Several of these can fall in one millisecond (a step's last report and the next step's first). */
    @Override
    public String eventId() {
        return migrationId + "/" + type().ceType() + "/" + stage + "/" + round + "/" + step + "/" + occurredAt.toEpochMilli();
    }

    /**
     * One quantity of a step.
     *
     * @param name what is counted: {@code layers}, {@code bytes}, {@code programs}, {@code files}, {@code images},
     *     {@code probes}
     * @param total 0 when not known
     */
    public record Counter(String name, long done, long total) {
        public Counter {
            MigrationEvent.require(name, "counter name");
            if (done < 0 || total < 0) {
                throw new IllegalArgumentException("counter " + name + " must not be negative, got " + done + " of " + total);
            }
        }
    }
}
