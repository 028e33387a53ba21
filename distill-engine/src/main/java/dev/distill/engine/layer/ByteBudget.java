package dev.distill.engine.layer;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the decompressed bytes of a layer and fails once they pass a bound, so a small blob cannot make
 * Distill decompress without end.
 */
final class ByteBudget extends FilterInputStream {

    private final long limit;
    private final LayerException.Kind kind;
    private final String exceeded;
    private long count;
    private long charged;

    /**
     * @param exceeded what going over the limit means, for the message
     */
    ByteBudget(InputStream in, long limit, LayerException.Kind kind, String exceeded) {
        super(in);
        this.limit = limit;
        this.kind = kind;
        this.exceeded = exceeded;
    }

    long count() {
        return count;
    }

    /**
     * Counts bytes that were not read but will be produced from this stream: the holes of a sparse file, which
     * reading its content fills with zeros. A small layer must not expand without end that way either.
     */
    void charge(long n) throws LayerProblem {
        if (n > 0) {
            charged = n > limit - count - charged ? limit + 1 : charged + n;
            if (count + charged > limit) {
                throw new LayerProblem(kind, null, exceeded);
            }
        }
    }

    /** What {@link #charge} counted. */
    long charged() {
        return charged;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            add(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        // Never ask for more than one byte past the limit: enough to notice going over it.
        long allowed = Math.max(1, limit - count - charged + 1);
        int n = in.read(b, off, (int) Math.min(len, allowed));
        if (n > 0) {
            add(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new UnsupportedOperationException("layers are read, not skipped, so every byte is counted");
    }

    private void add(int n) throws LayerProblem {
        count += n;
        if (count + charged > limit) {
            throw new LayerProblem(kind, null, exceeded);
        }
    }
}
