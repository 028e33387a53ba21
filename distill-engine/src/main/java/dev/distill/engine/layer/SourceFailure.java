package dev.distill.engine.layer;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * What a stream read under another reader threw, marked as that stream's, so that whoever handles the reader's
 * failures can tell the two apart however the reader passes it on: the blob source's failures under a decoder
 * (a digest mismatch or a network failure is no malformed gzip), and a layer's under a visitor reading one file's
 * bytes (a transfer that fails is no failure of the visitor).
 */
final class SourceFailure extends IOException {

    private static final long serialVersionUID = 1L;

    private SourceFailure(IOException cause) {
        super(cause.getMessage(), cause);
    }

    @Override
    public synchronized IOException getCause() {
        return (IOException) super.getCause();
    }

    /** {@code in}, each of its failures thrown as a {@link SourceFailure} around it. */
    static InputStream marking(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                try {
                    return in.read();
                } catch (IOException e) {
                    throw new SourceFailure(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return in.read(b, off, len);
                } catch (IOException e) {
                    throw new SourceFailure(e);
                }
            }

            @Override
            public long skip(long n) throws IOException {
                try {
                    return in.skip(n);
                } catch (IOException e) {
                    throw new SourceFailure(e);
                }
            }

            @Override
            public int available() throws IOException {
                try {
                    return in.available();
                } catch (IOException e) {
                    throw new SourceFailure(e);
                }
            }

            @Override
            public void close() throws IOException {
                try {
                    in.close();
                } catch (IOException e) {
                    throw new SourceFailure(e);
                }
            }
        };
    }

    /** The marked failure in {@code e} or its causes, or null. */
    static IOException marked(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SourceFailure s) {
                return s.getCause();
            }
        }
        return null;
    }
}
