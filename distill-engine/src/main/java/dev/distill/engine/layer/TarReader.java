package dev.distill.engine.layer;

import static dev.distill.engine.layer.LayerException.Kind.LIMIT_EXCEEDED;
import static dev.distill.engine.layer.LayerException.Kind.MALFORMED;
import static dev.distill.engine.layer.LayerException.Kind.UNSUPPORTED;

import dev.distill.engine.fs.FileType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a tar stream entry by entry without buffering bodies: ustar, GNU long names and links ({@code L},
 * {@code K}), PAX extended headers ({@code x}; {@code g} is read and ignored), numbers in octal or GNU base-256.
 * Bodies are skipped by reading through them, never with {@code skip}, which on a file can go past the end
 * without noticing and so hide a truncated archive.
 *
 * <p>Strict where leniency would let a layer mean something else than it says: a bad header checksum, a stream
 * that ends inside a header or an entry's data, sparse files and unknown entry types are errors. A stream that
 * ends cleanly between entries without the end-of-archive block is accepted, as Go's archive/tar (and so every
 * container runtime) accepts it.
 */
final class TarReader {

    static final int BLOCK = 512;
    /** PAX and GNU long-name bodies are read into memory; no real header needs more. */
    static final int MAX_EXTENDED_HEADER_BYTES = 1024 * 1024;

    private static final int NAME = 0;
    private static final int MODE = 100;
    private static final int UID = 108;
    private static final int GID = 116;
    private static final int SIZE = 124;
    private static final int CHECKSUM = 148;
    private static final int TYPE = 156;
    private static final int LINK_NAME = 157;
    private static final int MAGIC = 257;
    private static final int PREFIX = 345;

    private final InputStream in;
    private final int maxNameBytes;
    private final byte[] header = new byte[BLOCK];
    private final byte[] scratch = new byte[64 * 1024];
    private final Body body = new Body();
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private int ordinal = -1;
    private String current;
    private long remaining;
    private int padding;
    private boolean started;
    private boolean ended;

    /**
     * @param maxPathLength bounds GNU long names and links, which are read into memory; a little slack is
     *     allowed for {@code ./} prefixes and the like that normalisation removes
     */
    TarReader(InputStream in, int maxPathLength) {
        this.in = in;
        this.maxNameBytes = (int) Math.min(maxPathLength * 4L + 1024, MAX_EXTENDED_HEADER_BYTES);
    }

    /** The name of the entry last returned, for messages; null before the first. */
    String currentName() {
        return current;
    }

    /**
     * Skips what is left of the current entry and reads the next header.
     *
     * @return null after the end-of-archive block
     */
    TarEntry next() throws IOException {
        if (ended) {
            return null;
        }
        skipBody();
        if (ended) {
            return null;
        }
        String longName = null;
        String longLink = null;
        Map<String, String> pax = null;
        while (true) {
            if (!readHeader()) {
                if (!started) {
                    throw new LayerProblem(MALFORMED, null, "not a tar archive: the stream is empty");
                }
                if (longName != null || longLink != null || pax != null) {
                    throw new LayerProblem(MALFORMED, null, "the tar stream ends with an extended header that describes no entry" + after());
                }
                // No end-of-archive block, but the stream ends cleanly between entries: Go's archive/tar, which
                // Docker and containerd use, takes that as the end, so a container sees these entries. A layer cut
                // short exactly here is caught by its digest instead.
                ended = true;
                return null;
            }
            if (isZero(header)) {
                if (longName != null || longLink != null || pax != null) {
                    throw new LayerProblem(MALFORMED, null, "the tar stream ends with an extended header that describes no entry" + after());
                }
                ended = true;
                return null;
            }
            if (!checksumMatches()) {
                throw new LayerProblem(MALFORMED, null, !started
                        ? "not a tar archive: the first header's checksum does not match"
                        : "corrupt tar header" + after() + ": its checksum does not match");
            }
            started = true;
            char type = (char) (header[TYPE] & 0xff);
            long size = number(SIZE, 12, "size");
            switch (type) {
                case 'L' -> longName = string(readExtended(size, maxNameBytes, "GNU long name"));
                case 'K' -> longLink = string(readExtended(size, maxNameBytes, "GNU long link name"));
                case 'x' -> pax = parsePax(readExtended(size, MAX_EXTENDED_HEADER_BYTES, "PAX header"), pax);
                // Docker and containerd read tar with Go's archive/tar, which does not apply global headers to
                // later entries; applying them would make our view differ from what a container sees.
                case 'g' -> parsePax(readExtended(size, MAX_EXTENDED_HEADER_BYTES, "PAX global header"), null);
                default -> {
                    return entry(type, size, longName, longLink, pax);
                }
            }
        }
    }

    /** The data of the entry last returned; reading past its end gives EOF. Not to be closed. */
    InputStream body() {
        return body;
    }

    /** After the end-of-archive block: reads the rest of the stream (record padding, compression trailers). */
    void drain() throws IOException {
        while (in.read(scratch) >= 0) {
            // The byte budget under this stream bounds how long this can take.
        }
    }

    private TarEntry entry(char type, long headerSize, String longName, String longLink, Map<String, String> pax)
            throws IOException {
        String name = longName != null ? longName : ustarName();
        String link = longLink != null ? longLink : string(header, LINK_NAME, 100);
        long size = headerSize;
        int uid = (int) id(UID, "uid");
        int gid = (int) id(GID, "gid");
        if (pax != null) {
            name = pax.getOrDefault("path", name);
            link = pax.getOrDefault("linkpath", link);
            size = paxNumber(pax, "size", size, Long.MAX_VALUE, name);
            uid = (int) paxNumber(pax, "uid", uid, Integer.MAX_VALUE, name);
            gid = (int) paxNumber(pax, "gid", gid, Integer.MAX_VALUE, name);
            if (pax.keySet().stream().anyMatch(k -> k.startsWith("GNU.sparse."))) {
                throw new LayerProblem(UNSUPPORTED, name, "GNU sparse files are not supported");
            }
        }
        current = name;
        FileType fileType = switch (type) {
            case '0', '\0', '7' -> FileType.REGULAR;
            case '1' -> FileType.HARDLINK;
            case '2' -> FileType.SYMLINK;
            case '3' -> FileType.CHAR_DEVICE;
            case '4' -> FileType.BLOCK_DEVICE;
            case '5' -> FileType.DIRECTORY;
            case '6' -> FileType.FIFO;
            case 'S' -> throw new LayerProblem(UNSUPPORTED, name, "GNU sparse files are not supported");
            default -> throw new LayerProblem(UNSUPPORTED, name, "unsupported tar entry type '" + LayerException.printable(String.valueOf(type)) + "'");
        };
        // Like Go's archive/tar (and so Docker): only regular files have data blocks, whatever the size field says.
        long dataSize = fileType == FileType.REGULAR ? size : 0;
        remaining = dataSize;
        padding = padding(dataSize);
        int mode = (int) (number(MODE, 8, "mode") & 07777);
        return new TarEntry(++ordinal, name, fileType, mode, uid, gid, dataSize, link);
    }

    private String ustarName() throws LayerProblem {
        String name = string(header, NAME, 100);
        // Only POSIX ustar ("ustar\0") has a prefix field; old GNU tar ("ustar  \0") keeps other data there.
        boolean posix = header[MAGIC] == 'u' && header[MAGIC + 1] == 's' && header[MAGIC + 2] == 't' && header[MAGIC + 3] == 'a'
                && header[MAGIC + 4] == 'r' && header[MAGIC + 5] == 0;
        if (posix && header[PREFIX] != 0) {
            return string(header, PREFIX, 155) + "/" + name;
        }
        return name;
    }

    private boolean readHeader() throws IOException {
        int n = in.readNBytes(header, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new LayerProblem(MALFORMED, null, !started
                    ? "not a tar archive: the stream has only " + n + " bytes"
                    : "the tar stream ends inside a header" + after() + " (truncated)");
        }
        return true;
    }

    private byte[] readExtended(long size, int limit, String what) throws IOException {
        if (size > limit) {
            throw new LayerProblem(LIMIT_EXCEEDED, null, what + " of " + size + " bytes" + after() + " is over the limit of " + limit);
        }
        byte[] data = new byte[(int) size];
        if (in.readNBytes(data, 0, data.length) < data.length) {
            throw new LayerProblem(MALFORMED, null, "the tar stream ends inside a " + what + after() + " (truncated)");
        }
        remaining = 0;
        padding = padding(size);
        skipBody();
        return data;
    }

    private void skipBody() throws IOException {
        long left = remaining + padding;
        while (left > 0) {
            int n;
            try {
                n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            } catch (LayerProblem p) {
                throw p.during(current);
            }
            if (n < 0) {
                if (left <= padding) {
                    // The data is complete and only the block padding is missing at the very end: Go's
                    // archive/tar (umoci, containerd) writes and reads such a stream as ending here.
                    ended = true;
                    break;
                }
                throw new LayerProblem(MALFORMED, current, "the tar stream ends inside this entry's data, "
                        + (left - padding) + " bytes short (truncated)");
            }
            left -= n;
        }
        remaining = 0;
        padding = 0;
    }

    private Map<String, String> parsePax(byte[] data, Map<String, String> into) throws LayerProblem {
        Map<String, String> records = into != null ? into : new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            // Each record is "<length> <key>=<value>\n", the length counting the whole record in bytes.
            int space = pos;
            long length = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && length <= data.length) {
                length = length * 10 + (data[space] - '0');
                space++;
            }
            if (space == pos || space >= data.length || data[space] != ' ' || length <= space - pos || pos + length > data.length
                    || data[(int) (pos + length - 1)] != '\n') {
                throw new LayerProblem(MALFORMED, null, "malformed PAX header record at byte " + pos + after());
            }
            int end = (int) (pos + length - 1);
            int equals = space + 1;
            while (equals < end && data[equals] != '=') {
                equals++;
            }
            if (equals >= end || equals == space + 1) {
                throw new LayerProblem(MALFORMED, null, "malformed PAX header record at byte " + pos + after() + ": no key=value");
            }
            String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
            records.put(key, utf8(data, equals + 1, end - equals - 1));
            pos = end + 1;
        }
        return records;
    }

    private static long paxNumber(Map<String, String> pax, String key, long fallback, long max, String name) throws LayerProblem {
        String value = pax.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value);
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new LayerProblem(MALFORMED, name, "PAX " + key + " '" + LayerException.printable(value) + "' is not a number from 0 to " + max);
    }

    private long id(int offset, String what) throws LayerProblem {
        long n = number(offset, 8, what);
        if (n > Integer.MAX_VALUE) {
            throw new LayerProblem(MALFORMED, null, "tar header" + after() + " has a " + what + " out of range: " + n);
        }
        return n;
    }

    /** An octal field, or GNU base-256 when the first byte has its high bit set. */
    private long number(int offset, int length, String what) throws LayerProblem {
        if ((header[offset] & 0x80) != 0) {
            if ((header[offset] & 0x40) != 0) {
                throw new LayerProblem(MALFORMED, null, "tar header" + after() + " has a negative " + what);
            }
            long value = header[offset] & 0x3f;
            for (int i = offset + 1; i < offset + length; i++) {
                if (value > (Long.MAX_VALUE >>> 8)) {
                    throw new LayerProblem(MALFORMED, null, "tar header" + after() + " has a " + what + " too large for 63 bits");
                }
                value = (value << 8) | (header[i] & 0xff);
            }
            return value;
        }
        int i = offset;
        int end = offset + length;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        long value = 0;
        for (; i < end && header[i] != ' ' && header[i] != 0; i++) {
            int digit = header[i] - '0';
            if (digit < 0 || digit > 7) {
                throw new LayerProblem(MALFORMED, null, "tar header" + after() + " has a " + what + " that is not octal: '"
                        + LayerException.printable(new String(header, offset, length, StandardCharsets.ISO_8859_1)) + "'");
            }
            if (value > (Long.MAX_VALUE >>> 3)) {
                throw new LayerProblem(MALFORMED, null, "tar header" + after() + " has a " + what + " too large for 63 bits");
            }
            value = (value << 3) | digit;
        }
        return value;
    }

    private boolean checksumMatches() {
        long stored;
        try {
            stored = number(CHECKSUM, 8, "checksum");
        } catch (LayerProblem notANumber) {
            return false;
        }
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = i >= CHECKSUM && i < CHECKSUM + 8 ? ' ' : header[i];
            unsigned += b & 0xff;
            signed += b; // Some historic writers summed signed bytes; tar readers accept both.
        }
        return stored == unsigned || stored == signed;
    }

    private String after() {
        return current != null ? " after entry '" + LayerException.printable(current) + "'" : "";
    }

    private static int padding(long size) {
        int rest = (int) (size % BLOCK);
        return rest == 0 ? 0 : BLOCK - rest;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private String string(byte[] data) throws LayerProblem {
        return string(data, 0, data.length);
    }

    /** A NUL-terminated field. */
    private String string(byte[] data, int offset, int length) throws LayerProblem {
        int end = offset;
        while (end < offset + length && data[end] != 0) {
            end++;
        }
        return utf8(data, offset, end - offset);
    }

    /**
     * Names are decoded strictly: a lenient decoder would turn different invalid byte sequences into the same
     * replacement character, and so two different files into one path.
     */
    private String utf8(byte[] data, int offset, int length) throws LayerProblem {
        try {
            return utf8.decode(ByteBuffer.wrap(data, offset, length)).toString();
        } catch (CharacterCodingException e) {
            throw new LayerProblem(UNSUPPORTED, new String(data, offset, length, StandardCharsets.UTF_8),
                    "a name or link target that is not valid UTF-8", e);
        }
    }

    /** The current entry's data, which the reader skips past when asked for the next entry. */
    private final class Body extends InputStream {

        private final byte[] one = new byte[1];

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n;
            try {
                n = in.read(b, off, (int) Math.min(len, remaining));
            } catch (LayerProblem p) {
                throw p.during(current);
            }
            if (n < 0) {
                throw new LayerProblem(MALFORMED, current, "the tar stream ends inside this entry's data, " + remaining
                        + " bytes short (truncated)");
            }
            remaining -= n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(remaining, in.available());
        }

        @Override
        public void close() {
            // The archive stays open: the next entry follows.
        }
    }
}
