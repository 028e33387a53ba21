package dev.distill.engine.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes a ustar archive in memory: regular files, directories and symlinks, owned by root, with time 0 so
 * the same entries always give the same bytes (and so the same digest). Parent directories are added as
 * needed. Just enough tar for test layers.
 */
final class TarWriter {

    private static final int BLOCK = 512;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Set<String> directories = new HashSet<>();
    private boolean finished;

    void directory(String path, int mode) {
        String name = normalize(path);
        if (name.isEmpty() || !directories.add(name)) {
            return;
        }
        parents(name);
        header(name + "/", mode, 0, '5', "");
    }

    void file(String path, byte[] content, int mode) {
        String name = normalize(path);
        parents(name);
        header(name, mode, content.length, '0', "");
        out.writeBytes(content);
        pad(content.length);
    }

    void symlink(String path, String target) {
        String name = normalize(path);
        parents(name);
        if (target.getBytes(StandardCharsets.UTF_8).length > 100) {
            throw new IllegalArgumentException("symlink target longer than ustar's 100 bytes: '" + target + "'");
        }
        header(name, 0777, 0, '2', target);
    }

    /** Ends the archive with the two zero blocks tar expects, and returns it. */
    byte[] finish() {
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

    private void header(String name, int mode, long size, char type, String linkName) {
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
        put(header, 108, 8, octal(0, 7));
        put(header, 116, 8, octal(0, 7));
        put(header, 124, 12, octal(size, 11));
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
