package dev.distill.engine.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes a ustar archive in memory: regular files, directories and symlinks, owned by root, with time 0 so
 * the same entries always give the same bytes (and so the same digest). Parent directories are added as
 * needed. Just enough tar for test layers.
 *
 * <p>For tests of tar readers it also writes what real archives contain beyond that (hard links, devices, PAX and
 * GNU extended headers, base-256 numbers) and, with {@link #entry}, headers exactly as given, hostile names
 * included.
 */
public final class TarWriter {

    private static final int BLOCK = 512;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Set<String> directories = new HashSet<>();
    private boolean finished;
    private boolean base256;

    public void directory(String path, int mode) {
        String name = normalize(path);
        if (name.isEmpty() || !directories.add(name)) {
            return;
        }
        parents(name);
        header(name + "/", mode, 0, 0, 0, '5', "");
    }

    public void file(String path, byte[] content, int mode) {
        String name = normalize(path);
        parents(name);
        header(name, mode, 0, 0, content.length, '0', "");
        out.writeBytes(content);
        pad(content.length);
    }

    /** A hard link to an earlier entry; the target is written relative to the root, as tar does. */
    public void hardlink(String path, String target) {
        String name = normalize(path);
        parents(name);
        header(name, 0644, 0, 0, 0, '1', normalize(target));
    }

    /** A character device ('3'), block device ('4') or FIFO ('6'). */
    public void special(String path, char type, int mode) {
        String name = normalize(path);
        parents(name);
        header(name, mode, 0, 0, 0, type, "");
    }

    /**
     * One header exactly as given, without normalising the name or adding parents, followed by the content (if
     * any) and its padding: for hostile and unusual archives.
     */
    public void entry(String name, char type, int mode, int uid, int gid, byte[] content, String linkName) {
        header(name, mode, uid, gid, content.length, type, linkName);
        out.writeBytes(content);
        pad(content.length);
    }

    /** A PAX extended header ('x', or 'g' when global) applying the records to the next entry. */
    public void pax(Map<String, String> records, boolean global) {
        StringBuilder body = new StringBuilder();
        records.forEach((key, value) -> {
            String rest = " " + key + "=" + value + "\n";
            int restLength = utf8(rest).length;
            int length = restLength + 1;
            while (String.valueOf(length).length() + restLength != length) {
                length++;
            }
            body.append(length).append(rest);
        });
        byte[] data = utf8(body.toString());
        entry("PaxHeaders/entry", global ? 'g' : 'x', 0644, 0, 0, data, "");
    }

    /** A PAX extended header for the next entry whose values are raw bytes (binary extended attributes, names that are not UTF-8). */
    public void paxBytes(Map<String, byte[]> records) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        records.forEach((key, value) -> {
            int restLength = utf8(" " + key + "=").length + value.length + 1;
            int length = restLength + 1;
            while (String.valueOf(length).length() + restLength != length) {
                length++;
            }
            body.writeBytes(utf8(length + " " + key + "="));
            body.writeBytes(value);
            body.write('\n');
        });
        entry("PaxHeaders/entry", 'x', 0644, 0, 0, body.toByteArray(), "");
    }

    /** A GNU long name ('L') or long link name ('K') for the next entry. */
    public void gnuLong(char type, String value) {
        byte[] text = utf8(value);
        byte[] data = new byte[text.length + 1];
        System.arraycopy(text, 0, data, 0, text.length);
        entry("././@LongLink", type, 0644, 0, 0, data, "");
    }

    /** Writes size, uid and gid in GNU base-256 from now on, as tar does for values octal cannot hold. */
    public void base256Numbers() {
        base256 = true;
    }

    public void symlink(String path, String target) {
        String name = normalize(path);
        parents(name);
        if (target.getBytes(StandardCharsets.UTF_8).length > 100) {
            throw new IllegalArgumentException("symlink target longer than ustar's 100 bytes: '" + target + "'");
        }
        header(name, 0777, 0, 0, 0, '2', target);
    }

    /** Ends the archive with the two zero blocks tar expects, and returns it. */
    public byte[] finish() {
        if (!finished) {
            out.writeBytes(new byte[2 * BLOCK]);
            finished = true;
        }
        return out.toByteArray();
    }

    private void parents(String name) {
        int slash = name.lastIndexOf('/');
        if (slash > 0) {
            directory(name.substring(0, slash), 0755);
        }
    }

    private static String normalize(String path) {
        String name = path;
        while (name.startsWith("/")) {
            name = name.substring(1);
        }
        while (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.contains("//") || name.equals("..") || name.startsWith("../") || name.contains("/../")) {
            throw new IllegalArgumentException("not a clean path for a tar entry: '" + path + "'");
        }
        return name;
    }

    private void header(String name, int mode, int uid, int gid, long size, char type, String linkName) {
        if (finished) {
            throw new IllegalStateException("the archive is finished; cannot add '" + name + "'");
        }
        byte[] header = new byte[BLOCK];
        String prefix = "";
        String shortName = name;
        if (utf8(name).length > 100) {
            // ustar splits long names at a slash: prefix (155 bytes) + '/' + name (100 bytes).
            int split = -1;
            for (int i = name.indexOf('/'); i > 0 && split < 0; i = name.indexOf('/', i + 1)) {
                if (utf8(name.substring(0, i)).length <= 155 && utf8(name.substring(i + 1)).length <= 100
                        && i + 1 < name.length()) {
                    split = i;
                }
            }
            if (split < 0) {
                throw new IllegalArgumentException("path too long for ustar: '" + name + "'");
            }
            prefix = name.substring(0, split);
            shortName = name.substring(split + 1);
        }
        put(header, 0, 100, utf8(shortName));
        put(header, 100, 8, octal(mode, 7));
        put(header, 108, 8, number(uid, 8));
        put(header, 116, 8, number(gid, 8));
        put(header, 124, 12, number(size, 12));
        put(header, 136, 12, octal(0, 11));
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        header[156] = (byte) type;
        put(header, 157, 100, utf8(linkName));
        put(header, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(header, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        put(header, 265, 32, utf8("root"));
        put(header, 297, 32, utf8("root"));
        put(header, 329, 8, octal(0, 7));
        put(header, 337, 8, octal(0, 7));
        put(header, 345, 155, utf8(prefix));
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, 8, (String.format("%06o", sum) + "\0 ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(header);
    }

    private void pad(long size) {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            out.writeBytes(new byte[BLOCK - rest]);
        }
    }

    private byte[] number(long value, int fieldLength) {
        if (!base256) {
            return octal(value, fieldLength - 1);
        }
        byte[] field = new byte[fieldLength];
        long rest = value;
        for (int i = fieldLength - 1; i > 0; i--) {
            field[i] = (byte) rest;
            rest >>>= 8;
        }
        field[0] = (byte) 0x80;
        return field;
    }

    private static byte[] octal(long value, int digits) {
        String text = Long.toOctalString(value);
        if (text.length() > digits) {
            throw new IllegalArgumentException("value " + value + " does not fit " + digits + " octal digits");
        }
        return ("0".repeat(digits - text.length()) + text + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void put(byte[] header, int offset, int length, byte[] value) {
        if (value.length > length) {
            throw new IllegalArgumentException("tar header field of " + length + " bytes cannot hold "
                    + new String(value, StandardCharsets.UTF_8));
        }
        System.arraycopy(value, 0, header, offset, value.length);
    }
}
