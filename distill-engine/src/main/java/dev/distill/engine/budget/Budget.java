package dev.distill.engine.budget;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How long one piece of work (one stage of one migration) may take. Whoever starts the work creates a budget and
 * {@link #bind binds} it to the thread that does it; code deep inside (the registry client, the container runtime)
 * finds it with {@link #current()}, caps its own waits with {@link #cap}, refuses to start new runs once it is
 * spent, and {@link #track tracks} what it is blocked in so that {@link #expire} can abort it from another thread.
 * Without a bound budget, {@link #current()} is unlimited and changes nothing.
 *
 * <p>A budget also knows what the work is doing ({@link #doing()}): the tracked transfers with their bytes and rate,
 * or the step the work last announced, so that a person reading why it was abandoned learns where it was stuck.
 */
public final class Budget {

    private static final ThreadLocal<Budget> CURRENT = new ThreadLocal<>();
    private static final Budget UNLIMITED = new Budget(null);

    private final Duration limit;
    private final long deadline;
    private final Set<Activity> activities = new LinkedHashSet<>();
    private volatile String step;
    private volatile String expiry;

    private Budget(Duration limit) {
        this.limit = limit;
        this.deadline = limit == null ? 0 : System.nanoTime() + limit.toNanos();
    }

    /** A budget of {@code limit}, starting now. */
    public static Budget of(Duration limit) {
        if (limit == null || limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("a time budget must be positive, got " + limit);
        }
        return new Budget(limit);
    }

    /** The budget bound to this thread, or an unlimited one. */
    public static Budget current() {
        Budget b = CURRENT.get();
        return b == null ? UNLIMITED : b;
    }

    /**
     * Makes this the thread's {@link #current()} budget until the binding is closed (which restores the one before).
     * Use it in a try-with-resources on the thread that does the work.
     */
    public Binding bind() {
        Budget previous = CURRENT.get();
        CURRENT.set(this);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** Restores the thread's budget as it was before {@link #bind()}. */
    @FunctionalInterface
    public interface Binding extends AutoCloseable {
        @Override
        void close();
    }

    public boolean isUnlimited() {
        return limit == null;
    }

    /** The whole budget, empty when unlimited. */
    public Optional<Duration> limit() {
        return Optional.ofNullable(limit);
    }

    /** Spent: the time is up, or {@link #expire} was called. */
    public boolean isExpired() {
        return expiry != null || (limit != null && System.nanoTime() - deadline >= 0);
    }

    /** {@code wanted}, or less if less is left; zero once spent. An unlimited budget leaves it as it is. */
    public Duration cap(Duration wanted) {
        Objects.requireNonNull(wanted, "wanted");
        if (limit == null) {
            return wanted;
        }
        if (expiry != null) {
            return Duration.ZERO;
        }
        long left = Math.max(0, deadline - System.nanoTime());
        return wanted.toNanos() <= left ? wanted : Duration.ofNanos(left);
    }

    /**
     * Throws when the budget is spent, so that new work (a container, a transfer) is not started for nothing.
     *
     * @param action what was about to start, for the message ("start container app")
     */
    public void ensureRemaining(String action) throws BudgetExpiredException {
        if (isExpired()) {
            throw new BudgetExpiredException("did not " + action + ": " + expiryReason());
        }
    }

    /** Why the budget is spent, for messages; a generic phrase when it simply ran out. */
    public String expiryReason() {
        String reason = expiry;
        return reason != null ? reason : "the time budget of " + format(limit) + " is spent";
    }

    /**
     * Tracks something the work is blocked in until the returned handle is closed. If the budget is already spent,
     * the activity is aborted at once.
     */
    public Tracking track(Activity activity) {
        Objects.requireNonNull(activity, "activity");
        if (limit == null) {
            return () -> { };
        }
        synchronized (activities) {
            if (expiry == null) {
                activities.add(activity);
                return () -> {
                    synchronized (activities) {
                        activities.remove(activity);
                    }
                };
            }
        }
        activity.abort(expiryReason());
        return () -> { };
    }

    /** Ends the tracking of one activity. */
    @FunctionalInterface
    public interface Tracking extends AutoCloseable {
        @Override
        void close();
    }

    /** Announces what the work does now ("resolving the image", "running the result pod"), for {@link #doing()}. */
    public void step(String doing) {
        this.step = doing;
    }

    /**
     * What the work is doing: the tracked activities (transfers with their bytes and rate) if any, else the step it
     * last announced.
     */
    public String doing() {
        List<Activity> now;
        synchronized (activities) {
            now = new ArrayList<>(activities);
        }
        List<String> described = new ArrayList<>();
        for (Activity a : now) {
            try {
                described.add(a.describe());
            } catch (RuntimeException e) {
                described.add(a.getClass().getSimpleName());
            }
        }
        if (!described.isEmpty()) {
            String s = step;
            return (s == null ? "" : s + ": ") + String.join("; ", described);
        }
        String s = step;
        return s == null ? "working" : s;
    }

    /**
     * Spends the budget now (the time is up, or the work was cancelled) and aborts every tracked activity. From
     * then on {@link #isExpired()} is true, {@link #cap} gives zero and new activities are aborted as they come.
     *
     * @param reason why, as the aborted activities' errors should say it
     * @return false if it had been expired before
     */
    public boolean expire(String reason) {
        if (limit == null) {
            throw new IllegalStateException("an unlimited budget cannot expire");
        }
        List<Activity> toAbort;
        synchronized (activities) {
            if (expiry != null) {
                return false;
            }
            expiry = reason == null || reason.isBlank() ? "the time budget of " + format(limit) + " is spent" : reason;
            toAbort = new ArrayList<>(activities);
            activities.clear();
        }
        for (Activity a : toAbort) {
            try {
                a.abort(expiry);
            } catch (RuntimeException e) {
                // Aborting is best effort: the others must still be stopped.
            }
        }
        return true;
    }

    /** A duration as people write it: 90s, 20m, 1h30m, 1.5s. */
    public static String format(Duration d) {
        if (d == null) {
            return "unlimited";
        }
        long millis = d.toMillis();
        if (millis < 10_000 && millis % 1000 != 0) {
            return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long seconds = d.toSeconds();
        long h = seconds / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        StringBuilder b = new StringBuilder();
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (s > 0 || b.length() == 0) {
            b.append(s).append('s');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return limit == null ? "Budget[unlimited]" : "Budget[" + format(limit) + (isExpired() ? ", spent" : "") + "]";
    }
}
