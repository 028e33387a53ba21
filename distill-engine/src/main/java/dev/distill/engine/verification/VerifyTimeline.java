package dev.distill.engine.verification;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where one verification's time goes: each step's start and end in ms after {@code verify} began, and on which side
 * (the source's thread, the result's, a check's). Logged in one DEBUG line of logger
 * {@code dev.distill.engine.verification.VerifyTimeline} when the verification ends, so that a benchmark can show the
 * steps beside the fixed stays-up window; a few dozen records per verification, nothing when no timeline is bound
 * (a run in the privileged runner process records nothing).
 */
final class VerifyTimeline {

    private static final System.Logger LOG = System.getLogger(VerifyTimeline.class.getName());
    private static final ThreadLocal<Bound> CURRENT = new ThreadLocal<>();

    /** One step: side, name, start and end in ms after the timeline's origin. */
    record Step(String side, String name, long startMs, long endMs) {

        @Override
        public String toString() {
            return side + " " + name + " " + startMs + "-" + endMs;
        }
    }

    private record Bound(VerifyTimeline timeline, String side) {
    }

    /** Ends a {@link #bind} binding: the thread's timeline is what it was before. */
    interface Binding extends AutoCloseable {
        @Override
        void close();
    }

    private final long origin;
    private final List<Step> steps = new ArrayList<>();

    VerifyTimeline(long originNanos) {
        this.origin = originNanos;
    }

    /** Steps the calling thread records from now on belong to this timeline, on {@code side}. */
    Binding bind(String side) {
        Bound before = CURRENT.get();
        CURRENT.set(new Bound(this, side));
        return () -> {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        };
    }

    /** Records a step of the calling thread's timeline that began at {@code startNanos} and ends now; none: nothing. */
    static void step(String name, long startNanos) {
        Bound bound = CURRENT.get();
        if (bound != null) {
            bound.timeline.add(bound.side, name, startNanos, System.nanoTime());
        }
    }

    private synchronized void add(String side, String name, long startNanos, long endNanos) {
        steps.add(new Step(side, name, (startNanos - origin) / 1_000_000, (endNanos - origin) / 1_000_000));
    }

    /** The steps so far, by start. */
    synchronized List<Step> steps() {
        List<Step> out = new ArrayList<>(steps);
        out.sort(Comparator.comparingLong(Step::startMs));
        return out;
    }

    /** Logs the steps at DEBUG, when that level is on. */
    void log(String what) {
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "verification timeline of " + what + " (ms after its start): " + steps());
        }
    }
}
