package dev.distill.engine.registry;

import dev.distill.engine.image.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The caller's blob content on its way to the registry: checks it has exactly the announced size (the
 * request's Content-Length depends on it) and marks read failures as the caller's, not the network's.
 */
final class UploadStream extends FilterInputStream {

    private final Digest digest;
    private final long size;
    private long count;

    UploadStream(InputStream in, Digest digest, long size) {
        super(in);
        this.digest = digest;
        this.size = size;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException e) {
            throw new UploadSourceException("could not read the content of blob " + digest + " to upload: " + e.getMessage(), e);
        }
        if (n > 0) {
            count += n;
            if (count > size) {
                throw new DigestMismatchException("the content given for blob " + digest + " is longer than its announced size of "
                        + size + " bytes", digest, null);
            }
        } else if (n < 0 && count != size) {
            throw new DigestMismatchException("the content given for blob " + digest + " has " + count
                    + " bytes, but its announced size is " + size, digest, null);
        }
        return n;
    }
}
