package dev.distill.engine.debian;

import dev.distill.engine.fs.FileType;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.TarEntry;
import dev.distill.engine.layer.TarFormatException;
import dev.distill.engine.layer.TarStream;
import io.airlift.compress.zstd.ZstdInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * A Debian binary package file: its control paragraph and md5sums, read when the package is opened, and its
 * files, streamed from {@code data.tar} each time {@link #walkData} is called. Maintainer scripts and the other
 * control members are never looked at: Distill unpacks packages the way distroless does, without running them.
 *
 * <pre>{@code
 * DebianPackage deb = DebianPackage.read(Path.of("libc6_2.36-9+deb12u14_amd64.deb"));
 * deb.walkData((entry, content) -> ...);
 * }</pre>
 */
public final class DebianPackage {

    /**
     * Bounds on what reading a package may cost.
     *
     * @param maxControlBytes the decompressed control.tar; the control file and md5sums are held in memory
     * @param maxDataBytes the decompressed data.tar
     */
    public record Limits(long maxControlBytes, long maxDataBytes) {
        public Limits {
            if (maxControlBytes <= 0 || maxDataBytes <= 0) {
                throw new IllegalArgumentException("package limits must be positive, got " + maxControlBytes + " and " + maxDataBytes);
            }
        }

        /** 16 MiB of control.tar, 4 GiB of data.tar. */
        public static Limits defaults() {
            return new Limits(16L * 1024 * 1024, 4L * 1024 * 1024 * 1024);
        }
    }

    /** Receives the files of {@code data.tar} in archive order. */
    @FunctionalInterface
    public interface DataVisitor {
        /**
         * @param content the entry's data, valid only during this call; not to be closed
         */
        void visit(DataEntry entry, InputStream content) throws IOException;
    }

    private static final int MAX_XZ_MEMORY_KIB = 256 * 1024;

    private final Path file;
    private final Limits limits;
    private final ControlFile control;
    private final byte[] md5sums;
    private final ArArchive.Member data;

    private DebianPackage(Path file, Limits limits, ControlFile control, byte[] md5sums, ArArchive.Member data) {
        this.file = file;
        this.limits = limits;
        this.control = control;
        this.md5sums = md5sums;
        this.data = data;
    }

    public static DebianPackage read(Path file) throws IOException {
        return read(file, Limits.defaults());
    }

    /**
     * Reads the ar container and the control member; data.tar is only located.
     *
     * @throws DebianPackageException when the file is not a well-formed Debian package
     */
    public static DebianPackage read(Path file, Limits limits) throws IOException {
        List<ArArchive.Member> members = ArArchive.members(file);
        // dpkg's own order: debian-binary, control.tar*, data.tar*, then only members starting with '_'.
        if (members.size() < 3 || !members.get(0).name().equals("debian-binary") || !members.get(1).name().startsWith("control.tar")
                || !members.get(2).name().startsWith("data.tar")) {
            throw new DebianPackageException(file, null, "ar members are " + members.stream().map(ArArchive.Member::name).toList()
                    + ", not debian-binary, control.tar*, data.tar*");
        }
        for (ArArchive.Member extra : members.subList(3, members.size())) {
            if (!extra.name().startsWith("_")) {
                throw new DebianPackageException(file, "ar member '" + extra.name() + "'", "unknown member after data.tar");
            }
        }
        checkFormatVersion(file, members.get(0));
        compression(file, members.get(2).name()); // fail now, not on the first walk
        byte[][] controlAndMd5sums = readControlMembers(file, members.get(1), limits);
        if (controlAndMd5sums[0] == null) {
            throw new DebianPackageException(file, members.get(1).name(), "has no ./control file");
        }
        ControlFile control;
        try {
            control = ControlFile.parse(controlAndMd5sums[0]);
        } catch (IllegalArgumentException e) {
            throw new DebianPackageException(file, members.get(1).name() + " entry './control'", e.getMessage(), e);
        }
        return new DebianPackage(file, limits, control, controlAndMd5sums[1], members.get(2));
    }

    public Path file() {
        return file;
    }

    public ControlFile control() {
        return control;
    }

    public String name() {
        return control.packageName();
    }

    public String version() {
        return control.version();
    }

    /** The md5sums control member as written ({@code <md5>  <path without leading slash>} lines); empty if none. */
    public Optional<byte[]> md5sums() {
        return Optional.ofNullable(md5sums).map(byte[]::clone);
    }

    /** Streams the files of data.tar to the visitor in archive order; entry paths are absolute and checked. */
    public void walkData(DataVisitor visitor) throws IOException {
        String member = data.name();
        try (InputStream raw = ArArchive.open(file, data); InputStream tar = decompress(file, member, raw)) {
            TarStream stream = new TarStream(tar, limits.maxDataBytes(), LayerLimits.DEFAULT_MAX_PATH_LENGTH);
            for (TarEntry entry = next(stream, member); entry != null; entry = next(stream, member)) {
                String where = member + " entry '" + entry.name() + "'";
                String path = normalise(entry.name(), where);
                FileType type = entry.type();
                String target = switch (type) {
                    case SYMLINK -> checkedSymlink(entry.linkName(), where);
                    case HARDLINK -> normalise(entry.linkName(), where + " (hard link target)");
                    default -> "";
                };
                if (path.equals("/") && type != FileType.DIRECTORY) {
                    throw new DebianPackageException(file, where, "the package root is a " + type + ", not a directory");
                }
                DataEntry dataEntry = new DataEntry(path, type, entry.mode(), entry.uid(), entry.gid(), entry.size(), target);
                try {
                    visitor.visit(dataEntry, stream.body());
                } catch (TarFormatException e) {
                    throw failure(member, e);
                }
            }
        } catch (TarFormatException e) {
            throw failure(member, e);
        } catch (Undecodable e) {
            throw new DebianPackageException(file, member, "cannot be decompressed: " + e.getMessage(), e.getCause());
        }
    }

    @Override
    public String toString() {
        return name() + "=" + version() + " (" + file.getFileName() + ")";
    }

    private TarEntry next(TarStream stream, String member) throws IOException {
        try {
            return stream.next();
        } catch (TarFormatException e) {
            throw failure(member, e);
        }
    }

    private DebianPackageException failure(String member, TarFormatException e) {
        return new DebianPackageException(file, e.entry() != null ? member + " entry '" + e.entry() + "'" : member, e.getMessage(), e);
    }

    /**
     * {@code ./usr/bin/x}, {@code usr/bin/x} and {@code /usr/bin/x} all mean {@code /usr/bin/x}; a {@code ..}
     * component could make a layer write outside the directory it is unpacked into, and so is refused, as is
     * anything that normalises to a different path than it says (empty components, {@code .} inside).
     */
    private String normalise(String name, String where) throws DebianPackageException {
        String rest = name;
        if (rest.startsWith("./")) {
            rest = rest.substring(2);
        } else if (rest.equals(".")) {
            rest = "";
        }
        while (rest.startsWith("/")) {
            rest = rest.substring(1);
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.isEmpty()) {
            return "/";
        }
        if (rest.indexOf('\0') >= 0) {
            throw new DebianPackageException(file, where, "path contains a NUL character");
        }
        for (String component : rest.split("/", -1)) {
            if (component.equals("..")) {
                throw new DebianPackageException(file, where, "path leaves the package root ('..')");
            }
            if (component.isEmpty() || component.equals(".")) {
                throw new DebianPackageException(file, where, "path is not normalised (empty or '.' component)");
            }
        }
        return "/" + rest;
    }

    private String checkedSymlink(String target, String where) throws DebianPackageException {
        if (target.isEmpty() || target.indexOf('\0') >= 0) {
            throw new DebianPackageException(file, where, "symlink has an empty or NUL-containing target");
        }
        // A symlink's target is resolved inside the image's root at run time, so '..' cannot leave it: kept as written.
        return target;
    }

    private static void checkFormatVersion(Path file, ArArchive.Member member) throws IOException {
        if (member.size() > 64) {
            throw new DebianPackageException(file, "ar member 'debian-binary'", "is " + member.size() + " bytes, not a format version");
        }
        String version;
        try (InputStream in = ArArchive.open(file, member)) {
            version = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        if (!version.startsWith("2.")) {
            throw new DebianPackageException(file, "ar member 'debian-binary'", "format version '" + version.strip() + "' is not 2.x");
        }
    }

    /** The control file and md5sums of control.tar; other members (maintainer scripts, conffiles) are skipped. */
    private static byte[][] readControlMembers(Path file, ArArchive.Member member, Limits limits) throws IOException {
        byte[][] found = new byte[2][];
        try (InputStream raw = ArArchive.open(file, member); InputStream tar = decompress(file, member.name(), raw)) {
            TarStream stream = new TarStream(tar, limits.maxControlBytes(), LayerLimits.DEFAULT_MAX_PATH_LENGTH);
            for (TarEntry entry = stream.next(); entry != null; entry = stream.next()) {
                String name = entry.name().startsWith("./") ? entry.name().substring(2) : entry.name();
                int slot = name.equals("control") ? 0 : name.equals("md5sums") ? 1 : -1;
                if (slot >= 0 && entry.type() == FileType.REGULAR) {
                    found[slot] = stream.body().readAllBytes(); // bounded by maxControlBytes
                }
            }
        } catch (TarFormatException e) {
            throw new DebianPackageException(file, e.entry() != null ? member.name() + " entry '" + e.entry() + "'" : member.name(),
                    e.getMessage(), e);
        } catch (Undecodable e) {
            throw new DebianPackageException(file, member.name(), "cannot be decompressed: " + e.getMessage(), e.getCause());
        }
        return found;
    }

    private static String compression(Path file, String member) throws DebianPackageException {
        String suffix = member.replaceFirst("^(control|data)\\.tar", "");
        if (!List.of("", ".gz", ".xz", ".zst").contains(suffix)) {
            throw new DebianPackageException(file, "ar member '" + member + "'", "unsupported compression '" + suffix
                    + "' (Distill reads none, .gz, .xz and .zst)");
        }
        return suffix;
    }

    private static InputStream decompress(Path file, String member, InputStream raw) throws IOException {
        String suffix = compression(file, member);
        if (suffix.isEmpty()) {
            return raw;
        }
        try {
            InputStream decoded = switch (suffix) {
                case ".gz" -> new GZIPInputStream(raw, 64 * 1024);
                // The memory limit makes a crafted header that asks for a huge dictionary fail instead of allocating it.
                case ".xz" -> new XZInputStream(raw, MAX_XZ_MEMORY_KIB);
                default -> new ZstdInputStream(raw);
            };
            return new Decoding(decoded);
        } catch (IOException | RuntimeException e) {
            throw new Undecodable(e);
        }
    }

    /** A decompressor's failure, told apart from the visitor's own exceptions and from the file's. */
    private static final class Undecodable extends IOException {
        private static final long serialVersionUID = 1L;

        Undecodable(Exception cause) {
            super(cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName(), cause);
        }
    }

    /** Reports every decoder failure (aircompressor's are unchecked) as {@link Undecodable}. */
    private static final class Decoding extends FilterInputStream {
        Decoding(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException | RuntimeException e) {
                throw new Undecodable(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                throw new Undecodable(e);
            }
        }
    }
}
