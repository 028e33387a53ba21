package dev.distill.engine.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child process's output stream read on a thread of its own, bounded: past the limit it is read and dropped, so the
 * writer never blocks on a full pipe. What came is there even when the stream never ends (a process left behind
 * holding it open).
 */
final class ProcessOutput {

    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final CountDownLatch ended = new CountDownLatch(1);

    private ProcessOutput() {
    }

    static ProcessOutput read(InputStream in, int limit, String name) {
        ProcessOutput output = new ProcessOutput();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    synchronized (output.kept) {
                        int room = limit - output.kept.size();
                        if (room > 0) {
                            output.kept.write(buffer, 0, Math.min(room, n));
                        }
                    }
                }
            } catch (IOException e) {
                // The stream ended badly: what came is what there is.
            } finally {
                output.ended.countDown();
            }
        }, name);
        reader.setDaemon(true);
        reader.start();
        return output;
    }

    /** What came until the stream ended, or until {@code wait} passed. */
    String text(Duration wait) throws InterruptedException {
        ended.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        synchronized (kept) {
            return kept.toString(StandardCharsets.UTF_8);
        }
    }
}
