package dev.distill.engine.registry;

import dev.distill.engine.budget.Activity;
import dev.distill.engine.budget.Budget;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The body of a registry's answer, read under the {@link TransferLimits}: a watchdog ends it when the registry stays
 * silent longer than the idle timeout or brings less than the minimum rate over a window, and the {@link Budget} of
 * the work that opened it ends it when that work runs out of time. Only the time a reader spends waiting for the
 * registry counts: a reader that pauses to work on what it has is not the registry's fault. Ending it closes the connection, which wakes a
 * reader blocked in it; that reader then gets a {@link TransferAbortedException} saying why, with the bytes done
 * and the rate.
 */
final class TransferGuard extends FilterInputStream implements Activity {

    /** Checks every open body a few times per idle timeout; one daemon thread per registry client. */
    static final class Watchdog implements AutoCloseable {
        private final Set<TransferGuard> open = ConcurrentHashMap.newKeySet();
        private final ScheduledExecutorService timer;

        Watchdog(TransferLimits limits) {
            long tick = Math.max(50, Math.min(1000, Math.min(limits.idleTimeout().toMillis(), limits.rateWindow().toMillis()) / 8));
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "distill-registry-watchdog");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(this::check, tick, tick, TimeUnit.MILLISECONDS);
        }

        private void check() {
            long now = System.nanoTime();
            for (TransferGuard g : open) {
                try {
                    g.check(now);
                } catch (RuntimeException e) {
                    // One body's trouble must not stop the watch over the others.
                }
            }
        }

        int openTransfers() {
            return open.size();
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    private final String what;
    private final long expectedSize;
    private final TransferLimits limits;
    private final Watchdog watchdog;
    private final Budget budget;
    private Budget.Tracking tracking;
    private long started;
    private volatile long bytes;
    /** When the reader entered a read that has not returned yet; 0 when it is not waiting. */
    private volatile long waitingSince;
    /** Time spent waiting in reads that returned. */
    private volatile long waited;
    private long windowStartWaited;
    private long windowStartBytes;
    private volatile String abortedBecause;
    private volatile boolean finished;

    /**
     * @param what the content, e.g. "blob sha256:… of host/repo"
     * @param expectedSize -1 when unknown
     */
    TransferGuard(InputStream body, String what, long expectedSize, TransferLimits limits, Watchdog watchdog, Budget budget) {
        super(body);
        this.what = what;
        this.expectedSize = expectedSize;
        this.limits = limits;
        this.watchdog = watchdog;
        this.budget = budget;
    }

    /**
     * Watched from the first read on, not from the answer's start: a body nobody reads blocks nobody, and every
     * caller closes what it does not read. The budget is the one of the thread that sent the request, since the
     * reads may happen on a helper thread.
     */
    private synchronized void startWatching() {
        if (tracking == null && !finished) {
            started = System.nanoTime();
            watchdog.open.add(this);
            tracking = budget.track(this);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        failIfAborted(null);
        startWatching();
        int n;
        long begin = System.nanoTime();
        waitingSince = begin;
        try {
            n = in.read(b, off, len);
        } catch (IOException e) {
            failIfAborted(e);
            throw e;
        } finally {
            waitingSince = 0;
            waited += System.nanoTime() - begin;
        }
        failIfAborted(null);
        if (n > 0) {
            bytes += n;
        } else if (n < 0) {
            finish();
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        finish();
        in.close();
    }

    @Override
    public String describe() {
        return what + ": " + progress();
    }

    @Override
    public void abort(String reason) {
        if (finished || abortedBecause != null) {
            return;
        }
        abortedBecause = reason;
        finish();
        try {
            in.close();  // wakes a reader blocked on the connection, and drops the connection
        } catch (IOException e) {
            // The connection is being torn down either way.
        }
    }

    /** Called by the watchdog; judges silence and rate. */
    void check(long now) {
        if (finished) {
            return;
        }
        long since = waitingSince;
        long silent = since == 0 ? 0 : now - since;
        if (silent >= limits.idleTimeout().toNanos()) {
            abort("the registry sent nothing for " + Budget.format(Duration.ofNanos(silent)) + " (idle timeout "
                    + Budget.format(limits.idleTimeout()) + ")");
            return;
        }
        long waitedNow = waited + silent;
        long inWindow = waitedNow - windowStartWaited;
        if (inWindow >= limits.rateWindow().toNanos()) {
            long got = bytes - windowStartBytes;
            if (got < limits.minBytesPerSecond() * (inWindow / 1e9)) {
                abort("the registry is slower than the minimum of " + rate(limits.minBytesPerSecond()) + " ("
                        + size(got) + " in " + Budget.format(Duration.ofNanos(inWindow)) + " of waiting)");
                return;
            }
            windowStartWaited = waitedNow;
            windowStartBytes = bytes;
        }
    }

    private void failIfAborted(IOException cause) throws TransferAbortedException {
        String reason = abortedBecause;
        if (reason != null) {
            throw new TransferAbortedException("gave up reading " + what + ": " + reason + ", after " + progress(), cause);
        }
    }

    private synchronized void finish() {
        if (!finished) {
            finished = true;
            watchdog.open.remove(this);
            if (tracking != null) {
                tracking.close();
            }
        }
    }

    private String progress() {
        long done = bytes;
        long elapsed = System.nanoTime() - started;
        double seconds = Math.max(elapsed / 1e9, 0.001);
        return size(done) + (expectedSize >= 0 ? " of " + size(expectedSize) : "") + " in "
                + Budget.format(Duration.ofNanos(elapsed)) + " (" + rate(Math.round(done / seconds)) + ")";
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String rate(long bytesPerSecond) {
        return size(bytesPerSecond) + "/s";
    }
}
