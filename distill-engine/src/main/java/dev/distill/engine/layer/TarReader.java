package dev.distill.engine.layer;

import static dev.distill.engine.layer.LayerException.Kind.LIMIT_EXCEEDED;
import static dev.distill.engine.layer.LayerException.Kind.MALFORMED;
import static dev.distill.engine.layer.LayerException.Kind.UNSUPPORTED;

import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.Xattrs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads a tar stream entry by entry without buffering bodies: ustar, GNU long names and links ({@code L},
 * {@code K}), PAX extended headers ({@code x}; {@code g} is read and ignored), numbers in octal or GNU base-256,
 * extended attributes ({@code SCHILY.xattr.*} byte-exact, libarchive's {@code LIBARCHIVE.xattr.*}, the ACL and
 * SELinux text records of GNU tar and libarchive), and GNU sparse files in all their forms (old GNU {@code S}
 * headers with extension blocks, PAX 0.0, 0.1 and 1.0), whose bodies read with their holes as zeros.
 * Bodies are skipped by reading through them, never with {@code skip}, which on a file can go past the end
 * without noticing and so hide a truncated archive.
 *
 * <p>Strict where leniency would let a layer mean something else than it says: a bad header checksum, a stream
 * that ends inside a header or an entry's data, a sparse map that does not match its data and unknown entry
 * types are errors. A name or link target that is not UTF-8 is not an error of the archive: the entry comes back
 * marked {@link TarEntry#unreadable() unreadable}, its bytes escaped. A stream that ends cleanly between entries
 * without the end-of-archive block is accepted, as Go's archive/tar (and so every container runtime) accepts it.
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
    /** Old GNU headers: four sparse entries, the extension flag and the real size. */
    private static final int GNU_SPARSE = 386;
    private static final int GNU_IS_EXTENDED = 482;
    private static final int GNU_REAL_SIZE = 483;
    /** A sparse map cannot have more entries than this: Go's archive/tar does not bound them, but no real file needs more. */
    static final int MAX_SPARSE_ENTRIES = 1 << 20;

    private final InputStream in;
    private final int maxNameBytes;
    private final byte[] header = new byte[BLOCK];
    private final byte[] scratch = new byte[64 * 1024];
    private final Body body = new Body();
    private SparseBody sparse;
    private long holes;
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

    /** The bytes of zeros the holes of the entry last returned add to its content: 0 unless it is sparse. */
    long holeBytes() {
        return holes;
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
        sparse = null;
        holes = 0;
        if (ended) {
            return null;
        }
        byte[] longName = null;
        byte[] longLink = null;
        Pax pax = null;
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
                case 'L' -> longName = untilNul(readExtended(size, maxNameBytes, "GNU long name"));
                case 'K' -> longLink = untilNul(readExtended(size, maxNameBytes, "GNU long link name"));
                case 'x' -> pax = Pax.parse(readExtended(size, MAX_EXTENDED_HEADER_BYTES, "PAX header"), pax, after());
                // Docker and containerd read tar with Go's archive/tar, which does not apply global headers to
                // later entries; applying them would make our view differ from what a container sees.
                case 'g' -> Pax.parse(readExtended(size, MAX_EXTENDED_HEADER_BYTES, "PAX global header"), null, after());
                default -> {
                    return entry(type, size, longName, longLink, pax);
                }
            }
        }
    }

    /**
     * The content of the entry last returned (a sparse file's with its holes as zeros); reading past its end gives
     * EOF. Not to be closed.
     */
    InputStream body() {
        return sparse != null ? sparse : body;
    }

    /** After the end-of-archive block: reads the rest of the stream (record padding, compression trailers). */
    void drain() throws IOException {
        while (in.read(scratch) >= 0) {
            // The byte budget under this stream bounds how long this can take.
        }
    }

    private TarEntry entry(char type, long headerSize, byte[] longName, byte[] longLink, Pax pax) throws IOException {
        byte[] nameBytes = longName != null ? longName : ustarName();
        byte[] linkBytes = longLink != null ? longLink : field(LINK_NAME, 100);
        long size = headerSize;
        int uid = (int) id(UID, "uid");
        int gid = (int) id(GID, "gid");
        int mode = (int) (number(MODE, 8, "mode") & 07777);
        Xattrs xattrs = Xattrs.NONE;
        if (pax != null) {
            // hdrcharset=BINARY only says that these may not be UTF-8; they are read as bytes either way.
            nameBytes = pax.bytes("path", nameBytes);
            nameBytes = pax.bytes("GNU.sparse.name", nameBytes);
            linkBytes = pax.bytes("linkpath", linkBytes);
            size = pax.number("size", size, Long.MAX_VALUE, printable(nameBytes));
            uid = (int) pax.number("uid", uid, Integer.MAX_VALUE, printable(nameBytes));
            gid = (int) pax.number("gid", gid, Integer.MAX_VALUE, printable(nameBytes));
            xattrs = pax.xattrs(printable(nameBytes));
        }
        String name = utf8(nameBytes);
        String link = utf8(linkBytes);
        String unreadable = name == null ? "its name is not valid UTF-8"
                : link == null && (type == '1' || type == '2') ? "its link target is not valid UTF-8" : null;
        if (name == null) {
            name = printable(nameBytes);
        }
        if (link == null) {
            link = printable(linkBytes);
        }
        current = name;
        FileType fileType = switch (type) {
            case '0', '\0', '7', 'S' -> FileType.REGULAR;
            case '1' -> FileType.HARDLINK;
            case '2' -> FileType.SYMLINK;
            case '3' -> FileType.CHAR_DEVICE;
            case '4' -> FileType.BLOCK_DEVICE;
            // GNU tar's dumpdir (incremental archives): a directory whose data lists its names
            case '5', 'D' -> FileType.DIRECTORY;
            case '6' -> FileType.FIFO;
            default -> throw new LayerProblem(UNSUPPORTED, name, "unsupported tar entry type '" + LayerException.printable(String.valueOf(type)) + "'");
        };
        SparseMap map = type == 'S' ? oldGnuSparseMap(name) : null;
        // Like Go's archive/tar (and so Docker): links, devices, FIFOs and directories have no data blocks,
        // whatever the size field says; GNU's dumpdir does.
        long dataSize = fileType == FileType.REGULAR || type == 'D' ? size : 0;
        remaining = dataSize;
        padding = padding(dataSize);
        if (map == null && pax != null && fileType == FileType.REGULAR) {
            map = pax.sparseMap(this, name);
        }
        long contentSize = type == 'D' ? 0 : dataSize;
        if (map != null) {
            map.check(remaining, name);
            sparse = new SparseBody(map);
            holes = map.realSize() - remaining;
            contentSize = map.realSize();
        }
        return new TarEntry(++ordinal, name, fileType, mode, uid, gid, contentSize, link, xattrs, unreadable);
    }

    /** The sparse map of an old GNU {@code S} header, with its extension blocks, which come before the data. */
    private SparseMap oldGnuSparseMap(String name) throws IOException {
        long realSize = number(GNU_REAL_SIZE, 12, "real size");
        SparseMap map = new SparseMap(realSize);
        readGnuSparseEntries(header, GNU_SPARSE, 4, map, name);
        boolean extended = header[GNU_IS_EXTENDED] != 0;
        byte[] block = new byte[BLOCK];
        while (extended) {
            if (in.readNBytes(block, 0, BLOCK) < BLOCK) {
                throw new LayerProblem(MALFORMED, name, "the tar stream ends inside a GNU sparse extension header (truncated)");
            }
            readGnuSparseEntries(block, 0, 21, map, name);
            extended = block[504] != 0;
        }
        return map;
    }

    private void readGnuSparseEntries(byte[] block, int offset, int count, SparseMap map, String name) throws LayerProblem {
        for (int i = 0; i < count; i++) {
            int at = offset + i * 24;
            if (block[at] == 0 && block[at + 12] == 0) {
                return; // the unused rest of the list
            }
            map.add(number(block, at, 12, "sparse offset"), number(block, at + 12, 12, "sparse length"), name);
        }
    }

    /** PAX 1.0 keeps the map at the start of the data: decimal lines (count, then offset and length pairs), padded to a block. */
    SparseMap readSparseMapFromData(long realSize, String name) throws IOException {
        SparseMap map = new SparseMap(realSize);
        long[] consumed = {0};
        long count = decimalLine(consumed, name);
        if (count > MAX_SPARSE_ENTRIES) {
            throw new LayerProblem(LIMIT_EXCEEDED, name, "a sparse map of " + count + " entries is over the limit of " + MAX_SPARSE_ENTRIES);
        }
        for (long i = 0; i < count; i++) {
            long offset = decimalLine(consumed, name);
            map.add(offset, decimalLine(consumed, name), name);
        }
        int rest = padding(consumed[0]);
        for (int i = 0; i < rest; i++) {
            if (body.read() < 0) {
                throw new LayerProblem(MALFORMED, name, "the tar stream ends inside a sparse map (truncated)");
            }
        }
        return map;
    }

    private long decimalLine(long[] consumed, String name) throws IOException {
        long value = 0;
        int digits = 0;
        while (true) {
            int b = body.read();
            if (b < 0) {
                throw new LayerProblem(MALFORMED, name, "the sparse map ends early");
            }
            consumed[0]++;
            if (b == '\n' && digits > 0) {
                return value;
            }
            if (b < '0' || b > '9' || digits >= 18) {
                throw new LayerProblem(MALFORMED, name, "the sparse map at the start of the data is not decimal numbers, one a line");
            }
            value = value * 10 + (b - '0');
            digits++;
        }
    }

    private byte[] ustarName() {
        byte[] name = field(NAME, 100);
        // Only POSIX ustar ("ustar\0") has a prefix field; old GNU tar ("ustar  \0") keeps other data there.
        boolean posix = header[MAGIC] == 'u' && header[MAGIC + 1] == 's' && header[MAGIC + 2] == 't' && header[MAGIC + 3] == 'a'
                && header[MAGIC + 4] == 'r' && header[MAGIC + 5] == 0;
        if (posix && header[PREFIX] != 0) {
            byte[] prefix = field(PREFIX, 155);
            byte[] joined = new byte[prefix.length + 1 + name.length];
            System.arraycopy(prefix, 0, joined, 0, prefix.length);
            joined[prefix.length] = '/';
            System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
            return joined;
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

    private long id(int offset, String what) throws LayerProblem {
        long n = number(offset, 8, what);
        if (n > Integer.MAX_VALUE) {
            throw new LayerProblem(MALFORMED, null, "tar header" + after() + " has a " + what + " out of range: " + n);
        }
        return n;
    }

    private long number(int offset, int length, String what) throws LayerProblem {
        return number(header, offset, length, what);
    }

    /** An octal field, or GNU base-256 when the first byte has its high bit set. */
    private long number(byte[] header, int offset, int length, String what) throws LayerProblem {
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

    /** A NUL-terminated field of the header, as bytes. */
    private byte[] field(int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return java.util.Arrays.copyOfRange(header, offset, end);
    }

    private static byte[] untilNul(byte[] data) {
        int end = 0;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return end == data.length ? data : java.util.Arrays.copyOf(data, end);
    }

    /**
     * Names are decoded strictly: a lenient decoder would turn different invalid byte sequences into the same
     * replacement character, and so two different files into one path.
     *
     * @return null when the bytes are not UTF-8
     */
    private String utf8(byte[] data) {
        try {
            return utf8.decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Bytes for messages: printable ASCII as it is, everything else as {@code \xNN}; never ambiguous. */
    static String printable(byte[] data) {
        StringBuilder out = new StringBuilder(data.length);
        for (byte b : data) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                out.append((char) c);
            } else {
                out.append(String.format("\\x%02x", c));
            }
        }
        return out.toString();
    }

    /**
     * The content of a sparse file: its data segments from the archive, zeros between them and after the last up to
     * the real size.
     */
    private final class SparseBody extends InputStream {

        private final SparseMap map;
        private long position;
        private int segment;

        SparseBody(SparseMap map) {
            this.map = map;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position >= map.realSize()) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            while (segment < map.size() && map.offset(segment) + map.length(segment) <= position) {
                segment++;
            }
            if (segment < map.size() && position >= map.offset(segment)) {
                long inSegment = map.offset(segment) + map.length(segment) - position;
                int n = body.read(b, off, (int) Math.min(len, inSegment));
                if (n < 0) {
                    throw new LayerProblem(MALFORMED, current, "the tar stream ends inside this sparse file's data (truncated)");
                }
                position += n;
                return n;
            }
            long holeEnd = segment < map.size() ? map.offset(segment) : map.realSize();
            int n = (int) Math.min(len, holeEnd - position);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            position += n;
            return n;
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
