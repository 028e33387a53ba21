package dev.distill.engine.verification;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Work that follows a verdict (closing a verification's sandboxes, removing its directory), each on a thread of its
 * own so the verdict does not wait for it. {@link #await} waits for what is under way: before a process exits, or
 * before a caller looks at the work root. What a process killed mid-cleanup leaves is a crashed run's leftover that
 * the sweep at the next start removes.
 */
final class Cleanups {

    private static final System.Logger LOG = System.getLogger(Cleanups.class.getName());

    private final Set<Thread> running = ConcurrentHashMap.newKeySet();

    /** Starts {@code work} on a daemon thread named {@code name}; its failure is logged. */
    void run(String name, Runnable work) {
        Thread thread = new Thread(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, name + " failed: " + e);
            } finally {
                running.remove(Thread.currentThread());
            }
        }, name);
        thread.setDaemon(true);
        running.add(thread);
        thread.start();
    }

    /**
     * Waits until every cleanup started so far has ended, at most {@code timeout}.
     *
     * @return whether they all ended
     */
    boolean await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : Set.copyOf(running)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return running.isEmpty();
            }
            t.join(Math.max(1, left / 1_000_000));
        }
        return running.isEmpty();
    }
}
