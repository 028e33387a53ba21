package dev.distill.engine.layer;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a stream ahead on a thread of its own into a few buffers, so that decompressing (and hashing) a layer
 * runs on one core while the reader parses what came before on another. At most {@code depth} buffers are ahead
 * of the reader, so it costs bounded memory however large the layer. The source's exceptions reach the reader,
 * unchanged and in place, at the byte where they happened. {@link #close} stops the thread and waits for it, so
 * that after it nobody else touches the source, then closes the source. The thread is never interrupted:
 * an interrupt would close a file channel under the source, which must stay readable to be drained and verified.
 */
final class ReadAhead extends InputStream {

    private record Chunk(byte[] data, int length, Throwable failure) {
        boolean end() {
            return data == null && failure == null;
        }
    }

    private static final Chunk END = new Chunk(null, 0, null);
    private static final long POLL_MILLIS = 10;

    private final BlockingQueue<Chunk> filled;
    private final BlockingQueue<byte[]> free;
    private final InputStream source;
    private final Thread thread;
    private Chunk current;
    private int position;
    private boolean closed;
    private volatile boolean stopped;

    ReadAhead(InputStream source, int chunkBytes, int depth) {
        this.source = source;
        this.filled = new ArrayBlockingQueue<>(depth + 1);
        this.free = new ArrayBlockingQueue<>(depth + 2);
        for (int i = 0; i < depth + 2; i++) {
            free.add(new byte[chunkBytes]);
        }
        this.thread = new Thread(() -> produce(source), "distill-layer-read-ahead");
        thread.setDaemon(true);
        thread.start();
    }

    private void produce(InputStream source) {
        try {
            while (!stopped) {
                byte[] buffer = free.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (buffer == null) {
                    continue;
                }
                int n = 0;
                boolean end = false;
                Throwable failure = null;
                try {
                    while (n < buffer.length) {
                        int r = source.read(buffer, n, buffer.length - n);
                        if (r < 0) {
                            end = true;
                            break;
                        }
                        n += r;
                    }
                } catch (IOException | RuntimeException | Error e) {
                    failure = e; // after the bytes read before it, so that the reader meets it where it happened
                }
                if (n > 0 && !hand(new Chunk(buffer, n, null))) {
                    return;
                }
                if (failure != null || end) {
                    hand(failure != null ? new Chunk(null, 0, failure) : END);
                    return;
                }
            }
        } catch (InterruptedException e) {
            // Nobody interrupts this thread; should someone, it stops like a close.
        }
    }

    /** Never interrupted (an interrupt would close a file channel under the source): polls for the stop instead. */
    private boolean hand(Chunk chunk) throws InterruptedException {
        while (!stopped) {
            if (filled.offer(chunk, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        return false;
    }

    /** The current chunk with bytes left, or null at the end; throws the source's failure. */
    private Chunk chunk() throws IOException {
        if (closed) {
            throw new IOException("read ahead stream closed");
        }
        while (current == null || (!current.end() && current.failure() == null && position >= current.length())) {
            if (current != null && current.data() != null) {
                free.add(current.data());
            }
            try {
                current = filled.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading a layer");
            }
            position = 0;
        }
        Throwable failure = current.failure();
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        return current.end() ? null : current;
    }

    @Override
    public int read() throws IOException {
        Chunk c = chunk();
        return c == null ? -1 : c.data()[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        Chunk c = chunk();
        if (c == null) {
            return -1;
        }
        int n = Math.min(len, c.length() - position);
        System.arraycopy(c.data(), position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public int available() {
        Chunk c = current;
        return c == null || c.data() == null ? 0 : c.length() - position;
    }

    @Override
    public long skip(long n) {
        throw new UnsupportedOperationException("layers are read, not skipped, so truncation cannot hide");
    }

    /** Stops the thread, waits until it no longer reads the source, and closes the source. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        stopped = true; // the thread sees it within one read of the source and one poll
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        source.close();
    }
}
