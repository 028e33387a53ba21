package dev.distill.engine.registry;

import dev.distill.engine.image.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Passes a blob through while hashing it; at the end of the stream it checks size and digest and throws
 * {@link DigestMismatchException} instead of reporting EOF when either is wrong. Running past the expected
 * size fails at once, so a misbehaving server cannot make the reader consume an endless stream.
 *
 * <p>Readers that stop just short of the end still get the check: {@link java.util.zip.GZIPInputStream}, for
 * one, returns EOF after the gzip trailer without reading its source to the end. So {@link #close()} reads
 * what is left, when that is at most {@link #CLOSE_DRAIN_LIMIT} bytes, and verifies; a reader that gives up
 * earlier has not used the content and is not checked.
 *
 * <p>Public so that blob sources other than the registry (a directory of blobs) verify exactly the same way.
 */
public final class VerifyingInputStream extends FilterInputStream {

    static final int CLOSE_DRAIN_LIMIT = 64 * 1024;

    private final Digest expected;
    private final long expectedSize;
    private final String what;
    private final MessageDigest hasher;
    private long count;
    private boolean verified;
    private DigestMismatchException failure;

    /**
     * @param expectedSize -1 when unknown
     * @param what the content for messages, e.g. "blob sha256:... of 127.0.0.1:5000/demo/app"
     */
    public VerifyingInputStream(InputStream in, Digest expected, long expectedSize, String what) {
        super(in);
        this.expected = expected;
        this.expectedSize = expectedSize;
        this.what = what;
        this.hasher = expected.newHasher();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (failure != null) {
            throw failure;
        }
        int n = in.read(b, off, len);
        if (n > 0) {
            hasher.update(b, off, n);
            count += n;
            if (expectedSize >= 0 && count > expectedSize) {
                throw fail(new DigestMismatchException(what + " is longer than the expected " + expectedSize
                        + " bytes; reading stopped at " + count + " bytes (expected digest " + expected + ")", expected, null));
            }
        } else if (n < 0 && !verified) {
            verify();
        }
        return n;
    }

    // Skipped bytes still count towards the digest, so skipping reads them.
    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public void close() throws IOException {
        try {
            if (!verified && failure == null && (expectedSize < 0 || expectedSize - count <= CLOSE_DRAIN_LIMIT)) {
                drainAndVerify();
            }
        } finally {
            in.close();
        }
    }

    private void drainAndVerify() throws IOException {
        byte[] buffer = new byte[8192];
        long budget = CLOSE_DRAIN_LIMIT;
        while (!verified) {
            int n = read(buffer, 0, (int) Math.min(buffer.length, budget + 1));
            if (n > 0) {
                budget -= n;
                if (budget < 0) {
                    return; // More left than a trailer: the reader stopped early on purpose.
                }
            } else if (n < 0) {
                return; // read() verified at EOF, throwing on a mismatch.
            }
        }
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
        // Not supported: a reset would hash bytes twice.
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset is not supported on a verified blob stream");
    }

    private void verify() throws DigestMismatchException {
        verified = true;
        Digest actual = new Digest(expected.algorithm(), HexFormat.of().formatHex(hasher.digest()));
        if (expectedSize >= 0 && count != expectedSize) {
            throw fail(new DigestMismatchException(what + " ended after " + count + " bytes, expected " + expectedSize
                    + " (got digest " + actual + ", expected " + expected + ")", expected, actual));
        }
        if (!actual.equals(expected)) {
            throw fail(new DigestMismatchException(what + " has digest " + actual + ", expected " + expected
                    + ": the registry served different content than asked for", expected, actual));
        }
    }

    private DigestMismatchException fail(DigestMismatchException e) {
        failure = e;
        return e;
    }
}
