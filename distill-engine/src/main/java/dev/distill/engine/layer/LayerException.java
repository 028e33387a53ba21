package dev.distill.engine.layer;

import dev.distill.engine.image.Digest;
import java.io.IOException;

/**
 * A layer could not be read into the filesystem view. The message names the layer (position and digest), the
 * tar entry when there is one, and what is wrong; {@link #kind()} says what a caller can do about it.
 */
public final class LayerException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, coarse enough to decide between a retry and a message to the image's owner. */
    public enum Kind {
        /** The blob could not be fetched (missing, registry unreachable): a retry may help. */
        UNAVAILABLE,
        /** The blob is not what its descriptor says: wrong digest or size. */
        DIGEST_MISMATCH,
        /** A media type, tar entry type or tar feature Distill does not read. */
        UNSUPPORTED,
        /** Not a valid tar, gzip or zstd stream, or one that ends early. */
        MALFORMED,
        /** An entry that would reach outside the image root or make the view ambiguous. */
        UNSAFE,
        /** Over a {@link LayerLimits} bound. */
        LIMIT_EXCEEDED
    }

    private final Kind kind;
    private final Digest layer;
    private final String entry;
    private final boolean oneFile;

    /**
     * @param layerIndex position of the layer in the manifest, 0 for the bottom one
     * @param entry the tar entry's name as written, or null when the problem is not about one entry
     */
    LayerException(Kind kind, int layerIndex, Digest layer, String entry, String problem, Throwable cause) {
        this(kind, layerIndex, layer, entry, problem, cause, false);
    }

    private LayerException(Kind kind, int layerIndex, Digest layer, String entry, String problem, Throwable cause,
            boolean oneFile) {
        super(message(layerIndex, layer, entry, problem), cause);
        this.kind = kind;
        this.layer = layer;
        this.entry = entry;
        this.oneFile = oneFile;
    }

    /** One file of a layer that was read fine is over the size a reader may hold in memory. */
    static LayerException fileTooLarge(int layerIndex, Digest layer, String path, String problem) {
        return new LayerException(Kind.LIMIT_EXCEEDED, layerIndex, layer, path, problem, null, true);
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Whether the problem is one file's rather than its layer's: a file that cannot be held in memory, in a layer
     * that reads fine. A reader may record such a problem as a fact about the file. Every other layer exception
     * (a transfer that failed, a blob that is not its digest's, a tar that does not parse) means the layer cannot be
     * read, which is no fact about any of its files: what reads the image fails with it.
     */
    public boolean aboutOneFile() {
        return oneFile;
    }

    /** The digest of the layer blob at fault. */
    public Digest layer() {
        return layer;
    }

    /** The tar entry at fault as its header names it, or null. */
    public String entry() {
        return entry;
    }

    private static String message(int layerIndex, Digest layer, String entry, String problem) {
        return "layer " + layerIndex + " (" + layer + ")" + (entry != null ? ", entry '" + printable(entry) + "'" : "") + ": " + problem;
    }

    // Entry names come from the image: keep control characters out of logs and messages.
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
