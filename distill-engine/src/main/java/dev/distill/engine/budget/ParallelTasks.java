package dev.distill.engine.budget;

import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs independent tasks of one piece of work (the blobs of an image push, the images of a build) on threads of
 * their own, a few at a time, each under the caller's {@link Budget}: a cancelled migration stops them as it stops
 * the caller. The results come back in the tasks' order; the first failure in that order is thrown as the task threw
 * it, once the other tasks have been stopped and have ended, so nothing of the work still runs when the caller
 * goes on (and, say, removes their files).
 */
public final class ParallelTasks {

    /** How long a failed run waits for its other tasks to end after stopping them. */
    private static final long STOP_WAIT_SECONDS = 30;

    /** One task; it throws only {@code X} (or unchecked exceptions). */
    @FunctionalInterface
    public interface Task<T, X extends Exception> {
        T call() throws X;
    }

    private ParallelTasks() {
    }

    /**
     * @param name the threads' name, for thread dumps
     * @param atOnce at most this many tasks run at a time; with 1 (or a single task) they run on the caller's thread
     */
    @SuppressWarnings("unchecked")
    public static <T, X extends Exception> List<T> all(String name, int atOnce, List<Task<T, X>> tasks) throws X {
        if (atOnce < 1) {
            throw new IllegalArgumentException("at least one task at a time, got " + atOnce);
        }
        List<T> results = new ArrayList<>(tasks.size());
        if (atOnce == 1 || tasks.size() <= 1) {
            for (Task<T, X> task : tasks) {
                results.add(task.call());
            }
            return results;
        }
        Budget budget = Budget.current();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(atOnce, tasks.size()), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        boolean done = false;
        try {
            for (Task<T, X> task : tasks) {
                futures.add(pool.submit(() -> {
                    try (Budget.Binding bound = budget.bind()) {
                        return task.call();
                    }
                }));
            }
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            done = true;
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new InterruptedIOException("interrupted while waiting for " + name));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            // A Task throws only X besides unchecked exceptions.
            throw (X) cause;
        } finally {
            pool.shutdownNow();
            if (!done) {
                futures.forEach(f -> f.cancel(true));
                try {
                    pool.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
