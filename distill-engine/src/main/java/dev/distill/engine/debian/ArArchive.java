package dev.distill.engine.debian;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The members of a Unix ar archive, the container of a {@code .deb}: the global magic, then for each member a
 * 60-byte header (name, mtime, uid, gid, mode, decimal size, {@code `\n}) and its data padded to an even length.
 */
final class ArArchive {

    static final String MAGIC = "!<arch>\n";
    private static final int HEADER = 60;
    /** A .deb has three members, optionally followed by a few {@code _}-prefixed ones; more is not a package. */
    private static final int MAX_MEMBERS = 16;

    /** One member: where its data starts in the file and how long it is. */
    record Member(String name, long offset, long size) {
    }

    private ArArchive() {
    }

    static List<Member> members(Path file) throws IOException {
        long fileSize = Files.size(file);
        List<Member> members = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(MAGIC.length());
            if (!MAGIC.equals(new String(magic, StandardCharsets.ISO_8859_1))) {
                throw new DebianPackageException(file, null, "not an ar archive (no '!<arch>' magic)");
            }
            long position = MAGIC.length();
            byte[] header = new byte[HEADER];
            while (true) {
                int n = in.readNBytes(header, 0, HEADER);
                if (n == 0) {
                    return members;
                }
                if (n < HEADER) {
                    throw new DebianPackageException(file, null, "ar archive ends inside a member header at byte " + position + " (truncated)");
                }
                if (header[58] != '`' || header[59] != '\n') {
                    throw new DebianPackageException(file, null, "corrupt ar member header at byte " + position);
                }
                String name = new String(header, 0, 16, StandardCharsets.US_ASCII).stripTrailing();
                if (name.endsWith("/")) {
                    name = name.substring(0, name.length() - 1); // GNU ar ends names with a slash
                }
                long size = decimal(file, header, name);
                position += HEADER;
                if (size > fileSize - position) {
                    throw new DebianPackageException(file, "ar member '" + name + "'", "says it has " + size + " bytes but the file ends "
                            + (fileSize - position) + " bytes later (truncated)");
                }
                if (members.size() == MAX_MEMBERS) {
                    throw new DebianPackageException(file, null, "more than " + MAX_MEMBERS + " ar members: not a Debian package");
                }
                members.add(new Member(name, position, size));
                long skip = size + (size & 1);
                in.skipNBytes(Math.min(skip, fileSize - position));
                position += skip;
            }
        }
    }

    private static long decimal(Path file, byte[] header, String name) throws DebianPackageException {
        String field = new String(header, 48, 10, StandardCharsets.US_ASCII).strip();
        if (field.isEmpty() || !field.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new DebianPackageException(file, "ar member '" + name + "'", "size field '" + field + "' is not a decimal number");
        }
        return Long.parseLong(field);
    }

    /** The member's data; reading past its end gives EOF. */
    static InputStream open(Path file, Member member) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            in.skipNBytes(member.offset());
        } catch (IOException e) {
            in.close();
            throw e;
        }
        return new BoundedInputStream(in, member.size());
    }

    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long size) {
            this.in = in;
            this.remaining = size;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
