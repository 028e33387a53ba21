package dev.distill.engine.layer;

import static dev.distill.engine.layer.LayerException.Kind.LIMIT_EXCEEDED;

import java.io.IOException;
import java.io.InputStream;

/**
 * A plain (already decompressed) tar archive read entry by entry with the same strict reader as image layers,
 * for archives that are not layers, such as a Debian package's {@code data.tar}. Bodies are streamed, never
 * buffered; the whole archive is bounded in bytes so a small compressed input cannot expand without end.
 *
 * <pre>{@code
 * TarStream tar = new TarStream(in, maxBytes, LayerLimits.DEFAULT_MAX_PATH_LENGTH);
 * for (TarEntry e = tar.next(); e != null; e = tar.next()) { ... tar.body() ... }
 * }</pre>
 */
public final class TarStream {

    private final TarReader reader;

    /**
     * @param tar the tar bytes; not closed here
     * @param maxBytes the most bytes the archive may have, headers and padding included
     * @param maxPathLength bounds names and link targets read into memory
     */
    public TarStream(InputStream tar, long maxBytes, int maxPathLength) {
        if (maxBytes <= 0 || maxPathLength <= 0) {
            throw new IllegalArgumentException("tar bounds must be positive, got " + maxBytes + " bytes, path length " + maxPathLength);
        }
        ByteBudget counted = new ByteBudget(tar, maxBytes, LIMIT_EXCEEDED, "the tar archive is larger than " + maxBytes + " bytes");
        this.reader = new TarReader(counted, maxPathLength);
    }

    /**
     * Skips what is left of the current entry and reads the next one.
     *
     * @return null at the end of the archive
     * @throws TarFormatException when the archive is malformed, unsupported or over its bound
     */
    public TarEntry next() throws IOException {
        try {
            TarEntry entry = reader.next();
            if (entry != null && entry.unreadable() != null) {
                // A package's files are installed by name: one that cannot be named cannot be left out quietly.
                throw new LayerProblem(LayerException.Kind.UNSUPPORTED, entry.name(), "a name or link target that is not valid UTF-8 ("
                        + entry.unreadable() + ")");
            }
            return entry;
        } catch (LayerProblem p) {
            // A header problem is not the previous entry's fault; the message already says where it is.
            throw new TarFormatException(p, null);
        }
    }

    /** The data of the entry {@link #next()} returned last; a read failure is a {@link TarFormatException}. */
    public InputStream body() {
        InputStream body = reader.body();
        return new InputStream() {
            @Override
            public int read() throws IOException {
                try {
                    return body.read();
                } catch (LayerProblem p) {
                    throw new TarFormatException(p, reader.currentName());
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return body.read(b, off, len);
                } catch (LayerProblem p) {
                    throw new TarFormatException(p, reader.currentName());
                }
            }
        };
    }
}
