package dev.distill.engine.progress;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.layer.BlobSource;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A {@link BlobSource} that reports how many of an image's layers, and how many of their (compressed) bytes, have
 * been read. A layer opened again (a reader that indexes first and reads contents later) counts once: per layer,
 * the furthest any of its streams got. Blobs that are not among the layers pass through uncounted.
 */
public final class LayerReadProgress implements BlobSource {

    private static final long MIN_STEP_BYTES = 64 << 10;

    private final BlobSource source;
    private final List<Descriptor> layers;
    private final String step;
    private final ProgressListener listener;
    private final AtomicLongArray read;
    private final AtomicLongArray finished;
    private final long totalBytes;
    private final long reportEvery;
    private long lastReported = -1;

    public LayerReadProgress(BlobSource source, List<Descriptor> layers, String step, ProgressListener listener) {
        this.source = source;
        this.layers = List.copyOf(layers);
        this.step = step;
        this.listener = listener;
        this.read = new AtomicLongArray(this.layers.size());
        this.finished = new AtomicLongArray(this.layers.size());
        this.totalBytes = this.layers.stream().mapToLong(d -> Math.max(0, d.size())).sum();
        // About 200 reports over the whole read at most; the listener throttles further.
        this.reportEvery = Math.max(MIN_STEP_BYTES, totalBytes / 200);
    }

    @Override
    public InputStream open(Descriptor blob) throws IOException {
        int index = layers.indexOf(blob);
        InputStream in = source.open(blob);
        return index < 0 ? in : new Counting(in, index);
    }

    /** Reports the current counts at once (the start of the step, or its end). */
    public void report() {
        long bytes = 0;
        long done = 0;
        for (int i = 0; i < layers.size(); i++) {
            bytes += read.get(i);
            done += finished.get(i);
        }
        synchronized (this) {
            lastReported = bytes;
        }
        listener.progress(Progress.of(step, Progress.count("layers", done, layers.size()),
                Progress.count("bytes", Math.min(bytes, totalBytes), totalBytes)));
    }

    /**
     * Reports the step complete: every layer dealt with, whether its bytes were read or, for a layer analysed before,
     * its facts recalled from the layer cache without reading it (the counts say how far the step got, not how much
     * came over the network; the transfer metrics say that).
     */
    public void finish() {
        for (int i = 0; i < layers.size(); i++) {
            read.set(i, Math.max(0, layers.get(i).size()));
            finished.set(i, 1);
        }
        report();
    }

    private void advanced(int index, long position, boolean atEnd) {
        long size = Math.max(0, layers.get(index).size());
        read.accumulateAndGet(index, Math.min(position, size), Math::max);
        boolean completed = atEnd && finished.compareAndSet(index, 0, 1);
        long bytes = 0;
        for (int i = 0; i < layers.size(); i++) {
            bytes += read.get(i);
        }
        boolean due;
        synchronized (this) {
            due = completed || bytes - lastReported >= reportEvery;
        }
        if (due) {
            report();
        }
    }

    private final class Counting extends FilterInputStream {
        private final int index;
        private long position;

        Counting(InputStream in, int index) {
            super(in);
            this.index = index;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                position++;
            }
            advanced(index, position, b < 0);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                position += n;
            }
            if (n != 0) {
                advanced(index, position, n < 0);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            position += Math.max(0, skipped);
            advanced(index, position, false);
            return skipped;
        }
    }
}
