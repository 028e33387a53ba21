package dev.distill.engine.layer;

import static dev.distill.engine.layer.LayerException.Kind.MALFORMED;
import static dev.distill.engine.layer.LayerException.Kind.UNSUPPORTED;

import dev.distill.engine.image.MediaTypes;
import io.airlift.compress.zstd.ZstdInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Turns a layer blob into its tar stream according to the layer's media type. */
final class LayerDecoder {

    static final List<String> SUPPORTED = List.of(MediaTypes.OCI_LAYER_TAR, MediaTypes.OCI_LAYER_TAR_GZIP,
            MediaTypes.OCI_LAYER_TAR_ZSTD, MediaTypes.DOCKER_LAYER_TAR_GZIP);

    private static final int GZIP_BUFFER = 64 * 1024;
    /** 4 chunks of 256 KiB ahead of the reader at most: 1.5 MiB of buffers per layer being read. */
    private static final int READ_AHEAD_CHUNK = 256 * 1024;
    private static final int READ_AHEAD_DEPTH = 4;
    /**
     * {@code -Ddistill.layer.readAhead=false} decompresses on the reading thread instead: for a single core, and to
     * measure what the read-ahead thread gains (bench/analysis.sh).
     */
    static final boolean READ_AHEAD = !"false".equals(System.getProperty("distill.layer.readAhead"));

    private LayerDecoder() {
    }

    /** Fails before reading anything when the media type is not a layer we read. */
    static void checkSupported(String mediaType) throws LayerProblem {
        if (!SUPPORTED.contains(mediaType)) {
            throw new LayerProblem(UNSUPPORTED, null, "unsupported layer media type '" + mediaType + "' (Distill reads "
                    + String.join(", ", SUPPORTED) + ")");
        }
    }

    /** The decompressed tar stream; decoder failures surface as {@link LayerProblem}s saying what is wrong. */
    static InputStream decode(String mediaType, InputStream raw) throws IOException {
        checkSupported(mediaType);
        if (mediaType.equals(MediaTypes.OCI_LAYER_TAR)) {
            return raw;
        }
        boolean gzip = !mediaType.equals(MediaTypes.OCI_LAYER_TAR_ZSTD);
        String format = gzip ? "gzip" : "zstd";
        try {
            InputStream source = SourceFailure.marking(raw); // not to be mistaken for the decoder's
            InputStream decoded = gzip ? new GZIPInputStream(new MoreMayFollow(source), GZIP_BUFFER) : new ZstdInputStream(source);
            InputStream translated = new Translating(decoded, format);
            // Decompressing (and hashing the blob, under it) on a second core while the caller parses.
            return READ_AHEAD ? new ReadAhead(translated, READ_AHEAD_CHUNK, READ_AHEAD_DEPTH) : translated;
        } catch (IOException | RuntimeException e) {
            throw translate(e, format);
        }
    }

    private static IOException translate(Exception e, String format) {
        if (e instanceof SourceFailure source) {
            return source.getCause(); // the blob source's own failure (digest mismatch, network), unchanged
        }
        if (e instanceof LayerProblem p) {
            return p;
        }
        // aircompressor says a zstd stream ended early with this plain IOException.
        if (e instanceof EOFException || "Not enough input bytes".equals(e.getMessage())) {
            return new LayerProblem(MALFORMED, null, "the " + format + " stream ends early (truncated)", e);
        }
        // aircompressor refuses frames with a window over 8 MiB (zstd --long): valid, but beyond what it reads.
        if (e.getMessage() != null && e.getMessage().contains("not yet supported")) {
            return new LayerProblem(UNSUPPORTED, null, "the " + format + " stream uses a feature Distill cannot decode: " + e.getMessage(), e);
        }
        return new LayerProblem(MALFORMED, null, "not a valid " + format + " stream: " + e.getMessage(), e);
    }

    /**
     * GZIPInputStream reads a following gzip member only when {@code available()} says more bytes are there,
     * which a network stream may not: layers made of several members (pigz, eStargz) would end early. Claiming
     * more until EOF is safe: at the real end it finds no header and stops.
     */
    private static final class MoreMayFollow extends FilterInputStream {
        private boolean eof;

        MoreMayFollow(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            eof |= b < 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            eof |= n < 0;
            return n;
        }

        @Override
        public int available() throws IOException {
            return eof ? 0 : Math.max(1, super.available());
        }
    }

    /** Reports decoder exceptions (including aircompressor's unchecked ones) as layer problems. */
    private static final class Translating extends FilterInputStream {
        private final String format;

        Translating(InputStream in, String format) {
            super(in);
            this.format = format;
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException | RuntimeException e) {
                throw translate(e, format);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                throw translate(e, format);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            throw new UnsupportedOperationException("layers are read, not skipped, so truncation cannot hide");
        }
    }
}
