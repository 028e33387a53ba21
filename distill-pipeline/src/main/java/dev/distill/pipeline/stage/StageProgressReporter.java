package dev.distill.pipeline.stage;

import dev.distill.engine.progress.Progress;
import dev.distill.engine.progress.ProgressListener;
import dev.distill.events.Stage;
import dev.distill.events.StageProgress;
import dev.distill.pipeline.EventPublisher;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the engine's progress reports into {@link StageProgress} events, at most one per interval: the engine may
 * report on every chunk it reads. A step's last report is never dropped: it goes out when the next step begins or
 * when the reporter is closed. Progress is best effort: a report that cannot be published is logged, never thrown
 * into the work.
 */
public final class StageProgressReporter implements ProgressListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StageProgressReporter.class);

    private final EventPublisher publisher;
    private final String migrationId;
    private final Stage stage;
    private final int round;
    private final Clock clock;
    private final long intervalNanos;
    private Progress pending;
    private long lastSent;
    private boolean sentAny;
    private boolean warned;

    StageProgressReporter(EventPublisher publisher, String migrationId, Stage stage, int round, Clock clock,
            Duration interval) {
        this.publisher = publisher;
        this.migrationId = migrationId;
        this.stage = stage;
        this.round = round;
        this.clock = clock;
        this.intervalNanos = interval.toNanos();
    }

    @Override
    public synchronized void progress(Progress progress) {
        if (pending != null && !pending.step().equals(progress.step())) {
            send(pending);
        }
        pending = progress;
        if (!sentAny || System.nanoTime() - lastSent >= intervalNanos) {
            send(pending);
        }
    }

    /** Sends the report held back by the throttle, if any. */
    @Override
    public synchronized void close() {
        if (pending != null) {
            send(pending);
        }
    }

    private void send(Progress p) {
        pending = null;
        lastSent = System.nanoTime();
        sentAny = true;
        try {
            publisher.publish(new StageProgress(migrationId, clock.instant(), stage, round, p.step(), p.counters().stream()
                    .map(c -> new StageProgress.Counter(c.name(), c.done(), c.total())).toList()));
        } catch (RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.warn("{}: cannot publish progress of {} ({}); the work goes on without progress reports", stage.label(),
                        migrationId, e.toString());
            }
        }
    }
}
