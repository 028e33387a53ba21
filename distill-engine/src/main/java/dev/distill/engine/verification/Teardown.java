package dev.distill.engine.verification;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a run's sandbox goes when its outcome is known: closed at once, or handed on to be closed once the verdict
 * is out. Nothing of a closing (deleting stopped containers, unmounting, removing bundles, giving the ids back) is in
 * a verdict, and on the release path it was the last 50-70 ms before it. Every container of a handed-on sandbox has
 * been stopped or killed already, or is killed by its close; the ids stay leased until then.
 */
final class Teardown {

    private static final System.Logger LOG = System.getLogger(Teardown.class.getName());

    private final boolean deferred;
    private final List<AutoCloseable> pending = new ArrayList<>();

    private Teardown(boolean deferred) {
        this.deferred = deferred;
    }

    /** Closes each sandbox when its run hands it over. */
    static Teardown immediate() {
        return new Teardown(false);
    }

    /** Keeps each sandbox until {@link #closeAll()}. */
    static Teardown deferred() {
        return new Teardown(true);
    }

    boolean isDeferred() {
        return deferred;
    }

    /**
     * Closes {@code sandbox} now, or keeps it for {@link #closeAll()}.
     *
     * @throws IOException when an immediate close fails
     */
    void hand(AutoCloseable sandbox) throws IOException {
        if (deferred) {
            synchronized (pending) {
                pending.add(sandbox);
            }
            return;
        }
        try {
            sandbox.close();
        } catch (IOException | RuntimeException e) {
            throw e;  // as they came: only the checked kinds other than IOException are wrapped
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /**
     * Closes every sandbox handed over so far, each tried whatever the others did, in the order they came. A failure is
     * logged, not thrown: the verdict is out, and what a close left behind is a crashed run's leftover for the sweep
     * at the next start ({@link MigrationVerifier#sweep}).
     *
     * @return how many closes failed
     */
    int closeAll() {
        List<AutoCloseable> now;
        synchronized (pending) {
            now = new ArrayList<>(pending);
            pending.clear();
        }
        int failed = 0;
        for (AutoCloseable sandbox : now) {
            try {
                sandbox.close();
            } catch (Exception e) {
                failed++;
                LOG.log(System.Logger.Level.WARNING, "closing " + sandbox + " after its verdict failed; the next start's"
                        + " sweep removes what is left: " + e);
            }
        }
        return failed;
    }
}
