package dev.distill.pipeline.stage;

import dev.distill.engine.budget.Budget;
import dev.distill.events.EventCodec;
import dev.distill.events.MigrationEvent;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageStarted;
import dev.distill.events.Topics;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.status.Claim;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.status.MigrationStatus;
import dev.distill.pipeline.status.MigrationView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stage's inputs: several at once, each within a time budget, each at most once per migration, and every
 * error turned into a {@link StageFailed} event: a stage never dies on one migration, and no migration holds up the
 * others.
 *
 * <p>{@link #submit} returns at once; its future completes when the input is handled, that is when its outcome is
 * durable in Kafka (or it turned out to be handled already). Only then may the caller acknowledge the input, so
 * delivery stays at least once; the messaging layer commits an offset only when every earlier input of its partition
 * is handled, so the commit order holds however the inputs finish.
 *
 * <p>Each input is handled so that it runs at most once at a time, across instances too:
 * <ol>
 * <li>An input already being worked on in this instance (delivered again after a rebalance) joins that work.</li>
 * <li>The status view is brought up to date; an input whose work has ended (a redelivery) is skipped.</li>
 * <li>An input that another live instance has claimed is watched, not started: this instance waits until that work
 * ends (then skips it) or its claimant dies (then takes it over). Liveness is the claimant's membership of the
 * stage's consumer group.</li>
 * <li>Otherwise the runner claims the input ({@link StageStarted} with the work and the budget's deadline), reads the
 * claims back, and proceeds only if no live instance claimed it first; else it watches, as above.</li>
 * <li>The step runs on a thread of its own under a {@link Budget}. When the budget is spent, the runner aborts what
 * the step is blocked in (transfers, containers), publishes the failure with what the step was doing, its bytes and
 * rate, and lets the step's thread unwind (closing connections, removing files and containers) in the background.</li>
 * </ol>
 *
 * <p>A migration someone cancelled stops here in two ways: {@link #cancel} aborts what its step is blocked in (the
 * service calls it when its status view applies the cancellation), and the step itself stops at its next safe point
 * ({@link StageContext#checkpoint}). Either way nothing more is published for it: the cancellation ended it.
 */
public final class StageRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

    /** What happened to an input. */
    public enum Result {
        /** The stage ended successfully and handed the migration on. */
        HANDED_ON,
        /** The stage ended FAILED or BLOCKED and published why. */
        ENDED_UNSUCCESSFULLY,
        /** The work had already ended for this migration (a redelivery): nothing published. */
        SKIPPED_DUPLICATE,
        /** Another live instance had claimed the work; this one watched until it ended, and published nothing. */
        HANDLED_ELSEWHERE,
        /** The migration was cancelled while the stage worked on it: stopped, nothing published. */
        STOPPED_CANCELLED
    }

    /**
     * How a runner works.
     *
     * @param instance this instance's name: what its claims say, and what liveness checks look for
     * @param catchUpTimeout how long to wait for the status view before deciding on what it has
     * @param budget how long one input's step may take
     * @param grace how long after the budget an abandoned step may take to unwind before it counts as stuck
     * @param watchInterval how often a watched claim is checked
     */
    public record Settings(String instance, Duration catchUpTimeout, Duration budget, Duration grace, Duration watchInterval) {

        public Settings {
            MigrationEvent.require(instance, "instance");
            for (Duration d : new Duration[] {catchUpTimeout, budget, grace, watchInterval}) {
                if (d == null || d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("the stage runner's durations must be positive, got " + d);
                }
            }
        }

        /** A budget of 20 minutes, 2 minutes of grace, claims checked every 2 seconds. */
        public static Settings of(String instance, Duration catchUpTimeout) {
            return new Settings(instance, catchUpTimeout, Duration.ofMinutes(20), Duration.ofMinutes(2), Duration.ofSeconds(2));
        }

        public Settings withBudget(Duration newBudget) {
            return new Settings(instance, catchUpTimeout, newBudget, grace, watchInterval);
        }

        public Settings withWatchInterval(Duration interval) {
            return new Settings(instance, catchUpTimeout, budget, grace, interval);
        }
    }

    /**
     * Whether an instance that claimed work is still alive. When it cannot tell (Kafka unreachable), it must answer
     * true: starting work twice is worse than waiting.
     */
    @FunctionalInterface
    public interface Liveness {
        boolean isAlive(String instance);
    }

    /** Hears about each input a runner handles: for metrics and logs. Called on the runner's threads; must not block. */
    public interface Listener {
        /** The step starts, under its budget. */
        default void started(Stage stage, String migrationId, String work) {
        }

        /** The input is handled: its outcome is published (or there was nothing to do). */
        default void ended(Stage stage, String migrationId, String work, Result result, Duration took) {
        }

        /** The budget was spent and the step abandoned; {@code doing} is what it was doing. */
        default void abandoned(Stage stage, String migrationId, String work, String doing) {
        }
    }

    /** An input in flight in this instance, as health checks and operators see it. */
    public record Running(String migrationId, String work, String state, Instant since, Duration budget) {
    }

    private final Stage stage;
    private final MigrationStatus status;
    private final EventPublisher publisher;
    private final Clock clock;
    private final Settings settings;
    private final Liveness liveness;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    private final ScheduledExecutorService timers;
    private volatile boolean closed;

    public StageRunner(Stage stage, MigrationStatus status, EventPublisher publisher, Clock clock, Settings settings,
            Liveness liveness) {
        this.stage = Objects.requireNonNull(stage, "stage");
        this.status = Objects.requireNonNull(status, "status");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.liveness = Objects.requireNonNull(liveness, "liveness");
        AtomicInteger n = new AtomicInteger();
        // Unbounded on purpose: the messaging layer bounds how many inputs are in flight; a thread per input keeps a
        // slow one from holding a fast one.
        this.workers = Executors.newCachedThreadPool(r -> daemon(r, "distill-" + stage.label() + "-" + n.incrementAndGet()));
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "distill-" + stage.label() + "-budgets"));
    }

    /** A runner whose claimants are never alive: for a single instance and for tests. */
    public StageRunner(Stage stage, MigrationStatus status, EventPublisher publisher, Clock clock, String instance,
            Duration catchUpTimeout) {
        this(stage, status, publisher, clock, Settings.of(instance, catchUpTimeout), other -> false);
    }

    public Stage stage() {
        return stage;
    }

    public Settings settings() {
        return settings;
    }

    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Handles one input; the future completes once it is handled (its outcome durable, or nothing to do). It never
     * completes exceptionally for a well-formed input: every failure becomes a {@link StageFailed}.
     */
    public <I extends MigrationEvent> CompletableFuture<Result> submit(I input, StageStep<I> step) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the " + stage.label() + " stage is shutting down"));
        }
        String work = step.workKey(input);
        InFlight fresh = new InFlight(input.migrationId(), work);
        InFlight running = inFlight.putIfAbsent(fresh.key(), fresh);
        if (running != null) {
            // Delivered again while still being worked on here (a rebalance gave the partition back): one run is enough.
            LOG.info("{}: {} ({}) is already in flight here; this delivery waits for it", stage.label(), input.migrationId(), work);
            return running.done;
        }
        workers.execute(() -> handle(fresh, input, step));
        return fresh.done;
    }

    /** Handles one input and waits for it: for callers without a messaging layer. */
    public <I extends MigrationEvent> Result run(I input, StageStep<I> step) {
        return submit(input, step).join();
    }

    /**
     * Decodes a stage's input record and submits it. A record that cannot be decoded is reported (see
     * {@link #reportUnreadable}) and the future fails with the decoding error, so the messaging layer moves it to the
     * dead-letter topic.
     */
    public <I extends MigrationEvent> CompletableFuture<Result> submitRecord(String topic, String key, String payload,
            Class<I> type, StageStep<I> step) {
        I input;
        try {
            input = EventCodec.decode(payload, type);
        } catch (EventCodec.UnreadableEventException e) {
            reportUnreadable(key, topic, e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        return submit(input, step);
    }

    /**
     * An input that could not even be read. If its key names a known migration whose stage has not ended,
     * that migration is ended FAILED with the reason, so it does not hang; the caller dead-letters the input.
     */
    public void reportUnreadable(String key, String topic, String reason) {
        if (key == null || key.isBlank()) {
            return;
        }
        status.awaitCaughtUp(settings.catchUpTimeout());
        Optional<MigrationView> view = status.find(key);
        if (view.isPresent() && !view.get().stage(stage).ended() && !view.get().state().isFinal()) {
            publishDurably(new StageFailed(key, clock.instant(), stage, Outcome.FAILED, "the " + stage.label()
                    + " stage could not read its input event from " + topic + " (" + reason + "); it was moved to "
                    + Topics.deadLetter(topic)));
        }
    }

    /**
     * Ends the work in flight here for one migration at once: what it is blocked in is aborted, and the stage ends
     * FAILED with {@code reason}. The hook for cancelling a migration.
     *
     * @return whether anything was in flight for it
     */
    public boolean abandon(String migrationId, String reason) {
        return stop(migrationId, reason, true);
    }

    /**
     * Stops the work in flight here for a migration someone cancelled: what it is blocked in is aborted (so nothing
     * half-built gets tagged), and nothing is published, since the cancellation ended the migration already.
     *
     * @return whether anything was in flight for it
     */
    public boolean cancel(String migrationId, String reason) {
        return stop(migrationId, reason, false);
    }

    private boolean stop(String migrationId, String reason, boolean publish) {
        boolean any = false;
        for (InFlight f : inFlight.values()) {
            if (f.migrationId.equals(migrationId)) {
                any = true;
                f.abandon(reason, publish);
            }
        }
        return any;
    }

    /** What is in flight here now. */
    public List<Running> running() {
        List<Running> all = new ArrayList<>();
        inFlight.values().forEach(f -> all.add(new Running(f.migrationId, f.work, f.state, f.since, settings.budget())));
        return all;
    }

    /** Steps still running although their budget and the grace after it are over: a bug, or a wait nothing bounds. */
    public List<Running> stuck() {
        Instant limit = Instant.now().minus(settings.budget()).minus(settings.grace());
        return running().stream().filter(r -> r.state().equals(InFlight.RUNNING) || r.state().equals(InFlight.UNWINDING))
                .filter(r -> r.since().isBefore(limit)).toList();
    }

    private <I extends MigrationEvent> void handle(InFlight f, I input, StageStep<I> step) {
        String id = input.migrationId();
        boolean claimed = false;
        try {
            while (!closed && !f.abandoned()) {
                if (handledAlready(input, step)) {
                    f.finish(f.watched ? Result.HANDLED_ELSEWHERE : Result.SKIPPED_DUPLICATE);
                    return;
                }
                Optional<Claim> holder = liveClaimAhead(id, f.work, claimed);
                if (holder.isPresent()) {
                    watch(f, holder.get(), () -> handledAlready(input, step)
                            || liveClaimAhead(id, f.work, f.claimed).isEmpty());
                    continue;
                }
                if (!claimed) {
                    StageStarted claim = new StageStarted(id, clock.instant(), stage, settings.instance(), f.work,
                            clock.instant().plus(settings.budget()));
                    if (f.abandoned() || !publishDurably(claim)) {
                        return;  // cancelled, or shutting down (the input stays unacknowledged and comes again)
                    }
                    claimed = true;
                    f.claimed = true;
                    // Read the claims back: another instance may have claimed at the same moment (a rebalance).
                    continue;
                }
                perform(f, input, step);
                return;
            }
        } catch (RuntimeException | Error e) {
            // Only the runner's own machinery gets here (the step's errors are handled in perform).
            LOG.error("{}: handling {} failed", stage.label(), id, e);
            if (!closed) {
                fail(f, Outcome.FAILED, "internal error in the " + stage.label() + " stage (" + e
                        + "); the service logs have the stack trace");
            }
        } finally {
            f.threadDone();
        }
    }

    private <I extends MigrationEvent> boolean handledAlready(I input, StageStep<I> step) {
        if (!status.awaitCaughtUp(settings.catchUpTimeout())) {
            LOG.warn("{}: status view did not catch up within {}; deciding on what it has", stage.label(),
                    settings.catchUpTimeout());
        }
        return status.find(input.migrationId()).map(v -> step.alreadyHandled(input, v, stage)).orElse(false);
    }

    /** Whether someone cancelled the migration (the view lags the topics by a poll: a safe point or two later). */
    private boolean cancelled(String id) {
        return status.find(id).map(v -> v.state() == MigrationState.CANCELLED).orElse(false);
    }

    /**
     * The first live claim on this work by another instance that this one must wait for: any, before this instance
     * claimed it; once it has, only those made before its own (later claimants wait for this one in turn).
     */
    private Optional<Claim> liveClaimAhead(String id, String work, boolean claimed) {
        Optional<MigrationView> view = status.find(id);
        if (view.isEmpty()) {
            return Optional.empty();
        }
        for (Claim c : view.get().claimsOn(stage, work)) {
            if (c.instance().equals(settings.instance())) {
                if (claimed) {
                    return Optional.empty();
                }
            } else if (liveness.isAlive(c.instance())) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /**
     * Waits while a live instance holds the work; returns when {@code over} says the wait is over (the work ended, or
     * no live claim is ahead any more: its claimant left the group), or this instance stops.
     */
    private void watch(InFlight f, Claim holder, java.util.function.BooleanSupplier over) {
        f.watching();
        LOG.info("{}: {} ({}) is being worked on by {} (claimed {}, budget until {}); watching instead of starting it",
                stage.label(), f.migrationId, f.work, holder.instance(), holder.at(), holder.deadline());
        while (!closed && !f.abandoned()) {
            sleep(settings.watchInterval());
            if (over.getAsBoolean()) {
                return;  // the caller looks again: ended (skip), or its claimant gone (take over)
            }
        }
    }

    private <I extends MigrationEvent> void perform(InFlight f, I input, StageStep<I> step) {
        String id = input.migrationId();
        Budget budget = Budget.of(settings.budget());
        f.running(budget);
        listeners.forEach(l -> l.started(stage, id, f.work));
        ScheduledFuture<?> timer = timers.schedule(() -> workers.execute(() -> budgetSpent(f)),
                settings.budget().toMillis(), TimeUnit.MILLISECONDS);
        EventPublisher progress = event -> {
            // Progress of work already ended (abandoned at its budget) would only confuse the status.
            if (!f.decided()) {
                publisher.publish(event);
            }
        };
        List<MigrationEvent> outcome;
        try (Budget.Binding ignored = budget.bind()) {
            outcome = step.perform(input, new StageContext(progress, id, stage, clock, () -> cancelled(id),
                    StageContext.PROGRESS_INTERVAL));
        } catch (StageFailure failure) {
            timer.cancel(false);
            if (failure.outcome() == Outcome.CANCELLED) {
                LOG.info("{}: {} stopped: {}", stage.label(), id, failure.getMessage());
                if (f.decide()) {
                    f.finish(Result.STOPPED_CANCELLED);
                }
                return;
            }
            if (!f.decided()) {
                LOG.info("{}: {} ended {}: {}", stage.label(), id, failure.outcome(), failure.getMessage());
            }
            fail(f, failure.outcome(), failure.getMessage());
            return;
        } catch (RuntimeException | Error e) {
            timer.cancel(false);
            if (!f.decided()) {
                LOG.error("{}: unexpected error for {}", stage.label(), id, e);
            }
            fail(f, Outcome.FAILED, "internal error in the " + stage.label() + " stage (" + e
                    + "); the service logs have the stack trace");
            return;
        }
        timer.cancel(false);
        if (f.decide()) {
            for (MigrationEvent event : outcome) {
                if (!publishDurably(event)) {
                    return;
                }
            }
            LOG.info("{}: {} handed on", stage.label(), id);
            f.finish(Result.HANDED_ON);
        } else {
            LOG.info("{}: {} finished after it had been abandoned; its outcome is dropped", stage.label(), id);
        }
    }

    /** The budget is spent: say where it was stuck, abort, and end the stage; the step unwinds on its own. */
    private void budgetSpent(InFlight f) {
        Budget budget = f.budget;
        // Decided before the abort, so that the step's own error from the aborted transfer is not the outcome.
        if (budget == null || !f.decideAbandoned()) {
            return;
        }
        String doing = budget.doing();
        String reason = "the " + stage.label() + " stage did not finish within its time budget of "
                + Budget.format(settings.budget()) + " and was abandoned while " + doing
                + " (the budget is distill.stage.budget)";
        listeners.forEach(l -> l.abandoned(stage, f.migrationId, f.work, doing));
        LOG.warn("{}: {} ({}): {}", stage.label(), f.migrationId, f.work, reason);
        budget.expire("the " + stage.label() + " stage's time budget of " + Budget.format(settings.budget()) + " is spent");
        publishFailure(f, Outcome.FAILED, reason);
    }

    /** Publishes the failure once per input: whoever decides first (the step, its budget, a cancel) wins. */
    private void fail(InFlight f, Outcome outcome, String reason) {
        if (f.decide()) {
            publishFailure(f, outcome, reason);
        }
    }

    private void publishFailure(InFlight f, Outcome outcome, String reason) {
        if (publishDurably(new StageFailed(f.migrationId, clock.instant(), stage, outcome, reason))) {
            f.finish(Result.ENDED_UNSUCCESSFULLY);
        }
    }

    /**
     * Publishes, retrying while Kafka is away (a broker restart): an outcome is worth waiting for, and the input is
     * acknowledged only after it. Gives up only when the runner shuts down; the input then comes again later.
     *
     * @return false if it gave up
     */
    private boolean publishDurably(MigrationEvent event) {
        long backoff = 500;
        while (true) {
            try {
                publisher.publish(event);
                return true;
            } catch (RuntimeException e) {
                if (closed) {
                    LOG.warn("{}: not publishing {} for {}: shutting down", stage.label(), event.type().ceType(), event.migrationId());
                    return false;
                }
                LOG.warn("{}: could not publish {} for {} ({}); retrying in {} ms", stage.label(), event.type().ceType(),
                        event.migrationId(), e.toString(), backoff);
                sleep(Duration.ofMillis(backoff));
                backoff = Math.min(backoff * 2, 15_000);
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Stops taking inputs; work in flight is aborted without publishing anything, so its inputs, unacknowledged,
     * are delivered again (to another instance, or to this one after a restart).
     */
    @Override
    public void close() {
        closed = true;
        for (InFlight f : inFlight.values()) {
            Budget b = f.budget;
            // Decided first: the step's error from the abort must not end the migration.
            if (b != null && f.decideAbandoned()) {
                b.expire("the " + stage.label() + " service is shutting down");
            }
        }
        timers.shutdownNow();
        workers.shutdown();
    }

    /** One input in flight in this instance. */
    private final class InFlight {
        static final String CHECKING = "CHECKING";
        static final String WATCHING = "WATCHING";
        static final String RUNNING = "RUNNING";
        static final String UNWINDING = "UNWINDING";

        final String migrationId;
        final String work;
        final CompletableFuture<Result> done = new CompletableFuture<>();
        final long startedNanos = System.nanoTime();
        private final AtomicBoolean decided = new AtomicBoolean();
        volatile String state = CHECKING;
        volatile Instant since = Instant.now();
        volatile Budget budget;
        volatile boolean watched;
        volatile boolean claimed;
        private volatile String abandonedBecause;

        InFlight(String migrationId, String work) {
            this.migrationId = migrationId;
            this.work = work;
        }

        String key() {
            return migrationId + "|" + work;
        }

        void watching() {
            watched = true;
            state = WATCHING;
            since = Instant.now();
        }

        void running(Budget b) {
            budget = b;
            state = RUNNING;
            since = Instant.now();
        }

        boolean decided() {
            return decided.get();
        }

        /** True for the first caller only: it publishes the outcome. */
        boolean decide() {
            return decided.compareAndSet(false, true);
        }

        /** Like {@link #decide}, for the work's abandonment: its step is left to unwind. */
        boolean decideAbandoned() {
            boolean first = decide();
            if (first && budget != null) {
                state = UNWINDING;
            }
            return first;
        }

        boolean abandoned() {
            return abandonedBecause != null;
        }

        void abandon(String reason, boolean publish) {
            abandonedBecause = reason;
            Budget b = budget;
            workers.execute(() -> {
                if (!decideAbandoned()) {
                    return;
                }
                String doing = b == null ? null : b.doing();
                if (b != null) {
                    b.expire(reason);
                }
                if (publish) {
                    publishFailure(this, Outcome.FAILED, doing == null ? reason : reason + " (while " + doing + ")");
                } else {
                    // Worded like a step's own stop at a safe point: "<stage>: <id> stopped: the migration was cancelled…".
                    LOG.info("{}: {} stopped: the migration was {}{}", stage.label(), migrationId, reason,
                            doing == null ? "" : "; aborted while " + doing);
                    finish(Result.STOPPED_CANCELLED);
                }
            });
        }

        void finish(Result result) {
            Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
            if (!state.equals(UNWINDING)) {
                // Nothing left to unwind: a delivery from now on is a new one. Abandoned work stays listed (a delivery
                // joins its ended outcome) until its thread has cleaned up.
                inFlight.remove(key(), this);
            }
            listeners.forEach(l -> l.ended(stage, migrationId, work, result, took));
            done.complete(result);
        }

        /** The thread that handled it ended: an abandoned step has unwound (its connections, files, containers gone). */
        void threadDone() {
            if (state.equals(UNWINDING)) {
                LOG.info("{}: abandoned work on {} ({}) has unwound", stage.label(), migrationId, work);
            }
            inFlight.remove(key(), this);
        }
    }
}
