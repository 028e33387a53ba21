package dev.distill.engine.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reports the bytes read through it to a {@link TransferListener}, in chunks of at least {@link #REPORT_EVERY}. */
final class CountingInputStream extends FilterInputStream {

    static final long REPORT_EVERY = 1 << 20;

    private final TransferListener listener;
    private long unreported;

    CountingInputStream(InputStream in, TransferListener listener) {
        super(in);
        this.listener = listener;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            count(1);
        } else {
            flush();
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            count(n);
        } else if (n < 0) {
            flush();
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = in.skip(n);
        if (skipped > 0) {
            count(skipped);
        }
        return skipped;
    }

    @Override
    public void close() throws IOException {
        try {
            in.close();
        } finally {
            flush();
        }
    }

    private void count(long n) {
        unreported += n;
        if (unreported >= REPORT_EVERY) {
            flush();
        }
    }

    private void flush() {
        if (unreported > 0) {
            long n = unreported;
            unreported = 0;
            listener.pulled(n);
        }
    }
}
