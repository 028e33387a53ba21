package dev.distill.engine.layer;

import dev.distill.engine.fs.Xattrs;
import dev.distill.engine.image.Digest;
import java.io.ByteArrayOutputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * Writes one image layer deterministically: a POSIX tar whose entries come in the order they are added, all
 * with modification time 0 and no user or group names, gzip-compressed into a file. The same entries in the same
 * order always give the same bytes, so a rebuilt image has the same digest. The diffID (digest of the tar) and the
 * blob digest are computed while writing, so the layer is never read back.
 *
 * <p>Names and link targets that do not fit a ustar header, and sizes or ids too large for it, go into a PAX
 * extended header, which every OCI runtime's tar reader understands; so do extended attributes, as
 * {@code SCHILY.xattr.NAME} records with the value's bytes as they are (what Go's archive/tar, and so containerd,
 * applies), and the ACL and SELinux text records of GNU tar and libarchive, in name order. The caller decides the entry order (sorted, so
 * parents come first) and that a hard link's target was written before it.
 */
public final class LayerWriter implements Closeable {

    /**
     * Names this class's output for the same entries: tar format, header fields, compression and its level. Bumped
     * with any change that alters the bytes, since built layers are cached under it.
     */
    public static final int FORMAT_VERSION = 1;

    private static final int BLOCK = 512;
    private static final long USTAR_MAX_SIZE = 077777777777L;
    private static final int USTAR_MAX_ID = 07777777;
    private static final int COPY_BUFFER = 64 * 1024;

    private final Path target;
    private final OutputStream file;
    private final HashingStream compressed;
    private final GZIPOutputStream gzip;
    private final HashingStream tar;
    private final Set<String> written = new HashSet<>();
    private int entries;
    private boolean finished;

    /** Starts a layer written to {@code target}, replacing any file there. */
    public LayerWriter(Path target) throws IOException {
        this.target = target;
        this.file = new BufferedOutputStream(Files.newOutputStream(target), COPY_BUFFER);
        this.compressed = new HashingStream(file);
        this.gzip = new GZIPOutputStream(compressed, COPY_BUFFER);
        this.tar = new HashingStream(gzip);
    }

    /** @param mode the twelve permission bits, setuid, setgid and sticky included */
    public void directory(String path, int mode, int uid, int gid) throws IOException {
        directory(path, mode, uid, gid, Xattrs.NONE);
    }

    /** A directory with extended attributes (a default ACL, say). */
    public void directory(String path, int mode, int uid, int gid, Xattrs xattrs) throws IOException {
        entry(name(path) + "/", '5', mode, uid, gid, 0, null, xattrs);
    }

    public void file(String path, int mode, int uid, int gid, byte[] content) throws IOException {
        entry(name(path), '0', mode, uid, gid, content.length, null, Xattrs.NONE);
        tar.write(content);
        pad(content.length);
    }

    /**
     * Adds a regular file whose bytes are streamed from {@code content}.
     *
     * @throws IOException when {@code content} ends before {@code size} bytes or has more, so a truncated source
     *     never becomes a silently short file in the layer
     */
    public void file(String path, int mode, int uid, int gid, long size, InputStream content) throws IOException {
        file(path, mode, uid, gid, size, content, Xattrs.NONE);
    }

    /** As {@link #file(String, int, int, int, long, InputStream)}, with extended attributes. */
    public void file(String path, int mode, int uid, int gid, long size, InputStream content, Xattrs xattrs) throws IOException {
        entry(name(path), '0', mode, uid, gid, size, null, xattrs);
        byte[] buffer = new byte[COPY_BUFFER];
        long left = size;
        while (left > 0) {
            int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException(path + ": the content ended " + left + " bytes before its size of " + size);
            }
            tar.write(buffer, 0, n);
            left -= n;
        }
        if (content.read() >= 0) {
            throw new IOException(path + ": the content is longer than its size of " + size);
        }
        pad(size);
    }

    public void symlink(String path, String linkTarget, int uid, int gid) throws IOException {
        requireTarget(path, linkTarget);
        entry(name(path), '2', 0777, uid, gid, 0, linkTarget, Xattrs.NONE);
    }

    /**
     * @param linkTarget the absolute path of a regular file added to this layer before; a hard link to something
     *     not in the same layer cannot be extracted
     */
    public void hardlink(String path, String linkTarget, int uid, int gid) throws IOException {
        requireTarget(path, linkTarget);
        String targetName = name(linkTarget);
        if (!written.contains(targetName)) {
            throw new IOException("hard link " + path + " points at " + linkTarget + ", which this layer does not hold (yet)");
        }
        entry(name(path), '1', 0, uid, gid, 0, targetName, Xattrs.NONE);
    }

    /** Ends the archive and the compressed stream; the writer can take no more entries. */
    public WrittenLayer finish() throws IOException {
        if (finished) {
            throw new IllegalStateException("layer " + target + " is already finished");
        }
        finished = true;
        tar.write(new byte[2 * BLOCK]);
        tar.flush();
        gzip.finish();
        file.flush();
        file.close();
        return new WrittenLayer(target, compressed.digest(), compressed.count, tar.digest(), tar.count, entries);
    }

    /** Closes the file; an unfinished layer is deleted, since it is not a valid blob. */
    @Override
    public void close() throws IOException {
        if (!finished) {
            finished = true;
            try {
                file.close();
            } finally {
                Files.deleteIfExists(target);
            }
        }
    }

    private void entry(String name, char type, int mode, int uid, int gid, long size, String linkName, Xattrs xattrs)
            throws IOException {
        if (finished) {
            throw new IllegalStateException("layer " + target + " is finished; cannot add " + name);
        }
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException(name + ": mode " + Integer.toOctalString(mode) + " is not a permission mode");
        }
        if (uid < 0 || gid < 0 || size < 0) {
            throw new IllegalArgumentException(name + ": negative owner or size: " + uid + ":" + gid + ", " + size);
        }
        String key = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        if (!written.add(key)) {
            throw new IllegalArgumentException(name + " is already in this layer");
        }
        Map<String, byte[]> pax = new LinkedHashMap<>();
        if (!fits(name, 100)) {
            pax.put("path", utf8(name));
        }
        if (linkName != null && !fits(linkName, 100)) {
            pax.put("linkpath", utf8(linkName));
        }
        if (size > USTAR_MAX_SIZE) {
            pax.put("size", utf8(Long.toString(size)));
        }
        if (uid > USTAR_MAX_ID) {
            pax.put("uid", utf8(Integer.toString(uid)));
        }
        if (gid > USTAR_MAX_ID) {
            pax.put("gid", utf8(Integer.toString(gid)));
        }
        xattrs.values().forEach((attribute, value) -> pax.put("SCHILY.xattr." + attribute, value));
        xattrs.texts().forEach((record, text) -> pax.put(record, utf8(text)));
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            tar.write(header(paxName(key), 'x', 0644, 0, 0, records.length, null));
            tar.write(records);
            pad(records.length);
        }
        tar.write(header(name, type, mode, Math.min(uid, USTAR_MAX_ID), Math.min(gid, USTAR_MAX_ID),
                size > USTAR_MAX_SIZE ? 0 : size, linkName));
        entries++;
    }

    private static byte[] header(String name, char type, int mode, int uid, int gid, long size, String linkName) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, name);
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, 0); // mtime: always 0, so rebuilds are byte-identical
        h[156] = (byte) type;
        if (linkName != null) {
            put(h, 157, 100, linkName);
        }
        put(h, 257, 6, "ustar");
        h[263] = '0';
        h[264] = '0';
        octal(h, 329, 8, 0);
        octal(h, 337, 8, 0);
        // The checksum is computed with its own field taken as eight spaces.
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] digits = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    /** PAX records: "LEN key=value\n", where LEN counts the whole record including its own digits; values are bytes. */
    private static byte[] paxRecords(Map<String, byte[]> records) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        records.forEach((key, value) -> {
            int body = utf8(key).length + value.length + 3;
            int length = body + Integer.toString(body).length();
            if (Integer.toString(length).length() != Integer.toString(body).length()) {
                length++;
            }
            all.writeBytes(utf8(length + " " + key + "="));
            all.writeBytes(value);
            all.write('\n');
        });
        return all.toByteArray();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String paxName(String name) {
        int slash = name.lastIndexOf('/');
        String base = slash < 0 ? name : name.substring(slash + 1);
        String shortBase = base.length() > 80 ? base.substring(0, 80) : base;
        return fits("PaxHeaders/" + shortBase, 100) ? "PaxHeaders/" + shortBase : "PaxHeaders/entry";
    }

    private static boolean fits(String text, int length) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7e || text.charAt(i) < 0x20) {
                return false;
            }
        }
        return text.length() <= length;
    }

    private static void put(byte[] h, int offset, int length, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, h, offset, Math.min(bytes.length, length));
    }

    private static void octal(byte[] h, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, length - 1 - digits.length())) + digits;
        put(h, offset, length - 1, padded);
        h[offset + length - 1] = 0;
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            tar.write(new byte[BLOCK - rest]);
        }
    }

    /** A layer path: absolute in the image, written relative ("usr/bin/php"), never "." or "..". */
    private static String name(String path) {
        if (path == null || !path.startsWith("/") || path.equals("/")) {
            throw new IllegalArgumentException("a layer entry needs an absolute path below /, got '" + path + "'");
        }
        String name = path.substring(1);
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        for (String part : name.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("layer entry path '" + path + "' is not a clean absolute path");
            }
        }
        return name;
    }

    private static void requireTarget(String path, String linkTarget) {
        if (linkTarget == null || linkTarget.isEmpty()) {
            throw new IllegalArgumentException("link " + path + " needs a target, got '" + linkTarget + "'");
        }
    }

    /** Counts and hashes what passes through, for the diffID (tar) and the blob digest (gzip). */
    private static final class HashingStream extends FilterOutputStream {
        private final MessageDigest sha256 = Digest.newSha256();
        private long count;

        HashingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            sha256.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            sha256.update(b, off, len);
            count += len;
        }

        Digest digest() {
            return new Digest("sha256", java.util.HexFormat.of().formatHex(sha256.digest()));
        }
    }
}
