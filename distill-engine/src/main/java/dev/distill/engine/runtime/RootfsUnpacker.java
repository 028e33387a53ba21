package dev.distill.engine.runtime;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Xattrs;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes an image's merged filesystem into a directory on the host, the {@code rootfs} of a runtime bundle:
 * directories, regular files, symlinks and hard links with their modes (setuid included) and owners. Runs as root.
 *
 * <p>Owners are written as the container's user namespace will see them: through an {@link IdMapping}, so a file
 * the image gives to uid 33 belongs on the host to the sandbox's host id for 33, in the same {@code chown} that
 * would have written 33 (no second pass over the tree). An owner outside the mapping (an image id above 65535)
 * cannot be represented: such a file is given to the container's nobody without its setuid and setgid bits, and
 * reported. Directories the image does not list (missing parents, the root itself) belong to the container's root.
 *
 * <p>The view is already validated, but writing is defensive all the same: the target directory must be new or
 * empty, every file is created exclusively without following a final symlink, and every parent is checked with
 * {@code lstat} to be a directory this unpacker made before anything is placed in it, so no link in the image can
 * steer a write outside the rootfs. Because nothing else writes into a fresh rootfs, checking before creating is
 * not racy. Device files and FIFOs are skipped and reported (a container gets its devices from runc), as is any
 * entry that cannot be placed; only a failure to read the image's layers is thrown.
 *
 * <p>Extended attributes are applied last (a chown clears file capabilities, an ACL sets the group mode bits) with
 * {@code setfattr --restore} (Debian's {@code attr}), never through a symlink: ACLs, {@code user.*} attributes and
 * file capabilities, as containerd applies them (capabilities give nothing under {@code noNewPrivileges}, which
 * every run sets). SELinux labels (the host's policy labels the rootfs), {@code trusted.*} and other attributes are
 * not applied and are reported, as is every attribute {@code setfattr} refused.
 */
public final class RootfsUnpacker {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final Path rootfs;
    private final IdMapping ids;
    private final Set<Path> directories = new HashSet<>();
    private final List<UnpackReport.Skipped> skipped = new ArrayList<>();
    private final List<FileEntry> withXattrs = new ArrayList<>();
    private long directoryCount;
    private long fileCount;
    private long symlinkCount;
    private long hardLinkCount;
    private long bytes;

    private RootfsUnpacker(Path rootfs, IdMapping ids) {
        this.rootfs = rootfs;
        this.ids = ids;
    }

    /** Writes {@code image} into {@code rootfs} with the image's owners as they are (no user namespace). */
    public static UnpackReport unpack(ImageFileSystem image, Path rootfs) throws IOException {
        return unpack(image, rootfs, IdMapping.IDENTITY);
    }

    /**
     * Writes {@code image} into {@code rootfs}, which must not exist or be an empty directory, with every owner
     * mapped to the host ids of {@code ids}.
     *
     * @throws IOException when the rootfs cannot be created or the image's contents cannot be read
     */
    public static UnpackReport unpack(ImageFileSystem image, Path rootfs, IdMapping ids) throws IOException {
        long started = System.nanoTime();
        Path root = rootfs.toAbsolutePath().normalize();
        if (Files.exists(root, NOFOLLOW)) {
            if (!Files.isDirectory(root, NOFOLLOW)) {
                throw new IOException("rootfs " + root + " exists and is not a directory");
            }
            try (var children = Files.list(root)) {
                if (children.findAny().isPresent()) {
                    throw new IOException("rootfs " + root + " is not empty");
                }
            }
        } else {
            Files.createDirectory(root);
        }
        RootfsUnpacker unpacker = new RootfsUnpacker(root, ids);
        unpacker.write(image);
        return new UnpackReport(root, unpacker.directoryCount, unpacker.fileCount, unpacker.symlinkCount,
                unpacker.hardLinkCount, unpacker.bytes, Duration.ofNanos(System.nanoTime() - started), unpacker.skipped);
    }

    private void write(ImageFileSystem image) throws IOException {
        directories.add(rootfs);
        List<FileEntry> entries = image.entries().collect(Collectors.toList());
        List<FileEntry> regular = new ArrayList<>();
        List<FileEntry> hardLinks = new ArrayList<>();
        List<FileEntry> madeDirectories = new ArrayList<>();
        FileEntry rootEntry = null;
        for (FileEntry entry : entries) {
            if (entry.path().equals("/")) {
                rootEntry = entry;
                continue;
            }
            switch (entry.type()) {
                case DIRECTORY:
                    if (directory(entry)) {
                        madeDirectories.add(entry);
                        noteXattrs(entry);
                    }
                    break;
                case SYMLINK:
                    symlink(entry);
                    break;
                case REGULAR:
                    if (parentReady(entry)) {
                        regular.add(entry);
                    }
                    break;
                case HARDLINK:
                    hardLinks.add(entry);
                    break;
                default:
                    skip(entry, entry.type().name().toLowerCase().replace('_', ' ') + " is not unpacked; runc provides /dev");
            }
        }
        // readAll streams each layer once, in layer order rather than path order: every directory exists by now.
        image.readAll(regular, (file, content) -> {
            Path target = target(file.path());
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    NOFOLLOW)) {
                bytes += content.transferTo(out);
            } catch (IOException e) {
                skip(file, "cannot write: " + e);
                return;
            }
            if (ownAndMode(file, target)) {
                fileCount++;
                noteXattrs(file);
            }
        });
        // A hard link may sort before the file it names, so links come after every file is written.
        for (FileEntry link : hardLinks) {
            hardLink(link);
        }
        // Modes last and deepest first: a read-only directory (0555) is then set after its children were written.
        madeDirectories.sort(Comparator.comparing(FileEntry::path).reversed());
        for (FileEntry dir : madeDirectories) {
            ownAndMode(dir, target(dir.path()));
        }
        if (rootEntry != null) {
            ownAndMode(rootEntry, rootfs);
        } else {
            ownByContainerRoot(rootfs);
        }
        applyXattrs();
    }

    /**
     * Applies the extended attributes of {@code entries}, already placed under {@code root}, with ACL ids mapped
     * through {@code ids} as {@link #unpack} would: for a tree whose files were placed another way (an overlay whose
     * owners were changed afterwards, which drops file capabilities).
     *
     * @return the attributes not applied, each with why
     */
    static List<UnpackReport.Skipped> applyXattrs(Path root, IdMapping ids, java.util.Collection<FileEntry> entries) throws IOException {
        RootfsUnpacker unpacker = new RootfsUnpacker(root, ids);
        entries.forEach(unpacker::noteXattrs);
        unpacker.applyXattrs();
        return unpacker.skipped;
    }

    /**
     * What {@link #applyXattrs(Path, IdMapping, java.util.Collection)} would report and leave out for {@code entries}
     * without applying anything: for attributes that are in place already (a layer tree's, shown id-mapped).
     */
    static List<UnpackReport.Skipped> xattrsNotApplied(IdMapping ids, java.util.Collection<FileEntry> entries) {
        RootfsUnpacker unpacker = new RootfsUnpacker(Path.of("/"), ids);
        entries.forEach(unpacker::noteXattrs);
        unpacker.xattrDump(new HashMap<>());
        return unpacker.skipped;
    }

    private void noteXattrs(FileEntry entry) {
        if (!entry.xattrs().values().isEmpty()) {
            withXattrs.add(entry);
        }
    }

    /** Whether a runtime would set this attribute on a container's file; null if so, else why not. */
    static String notApplied(String name) {
        if (name.startsWith("user.") || name.equals(Xattrs.ACL_ACCESS) || name.equals(Xattrs.ACL_DEFAULT) || name.equals(Xattrs.CAPABILITY)) {
            return null;
        }
        if (name.equals(Xattrs.SELINUX)) {
            return "the host's SELinux policy labels the rootfs";
        }
        return "only ACLs, user.* attributes and file capabilities are applied";
    }

    private void applyXattrs() throws IOException {
        Map<String, FileEntry> byRelative = new HashMap<>();
        String dump = xattrDump(byRelative);
        if (byRelative.isEmpty()) {
            return;
        }
        if (!onPath("setfattr")) {
            byRelative.values().forEach(e -> skip(e, "extended attributes not applied: setfattr (Debian package attr) is not installed"));
            return;
        }
        Path file = Files.createTempFile("xattrs", ".dump");
        try {
            Files.writeString(file, dump, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder("setfattr", "-h", "--restore=" + file).directory(rootfs.toFile())
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                // "setfattr: PATH: problem", one line per refusal
                for (String line : output.split("\n")) {
                    String rest = line.startsWith("setfattr: ") ? line.substring("setfattr: ".length()) : line;
                    int colon = rest.lastIndexOf(": ");
                    FileEntry e = colon > 0 ? byRelative.get(rest.substring(0, colon)) : null;
                    if (e != null) {
                        skip(e, "extended attributes not applied: " + rest.substring(colon + 2));
                    } else if (!line.isBlank()) {
                        skipped.add(new UnpackReport.Skipped("/", "setfattr: " + line));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while applying extended attributes", e);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * The setfattr dump of the noted entries' attributes that a runtime sets (ACL ids mapped), each entry's relative
     * path put in {@code byRelative}; every attribute left out is reported.
     */
    private String xattrDump(Map<String, FileEntry> byRelative) {
        StringBuilder dump = new StringBuilder();
        for (FileEntry entry : withXattrs) {
            StringBuilder lines = new StringBuilder();
            for (Map.Entry<String, byte[]> x : entry.xattrs().values().entrySet()) {
                String why = notApplied(x.getKey());
                byte[] value = x.getValue();
                if (why == null && (x.getKey().equals(Xattrs.ACL_ACCESS) || x.getKey().equals(Xattrs.ACL_DEFAULT))) {
                    value = mapAclIds(entry, x.getKey(), value);
                    why = value == null ? "not a POSIX ACL this unpacker can map to the sandbox's ids" : null;
                }
                if (why != null) {
                    skip(entry, "extended attribute " + x.getKey() + " not applied: " + why);
                } else {
                    lines.append(x.getKey()).append("=0x").append(HexFormat.of().formatHex(value)).append('\n');
                }
            }
            if (lines.length() > 0) {
                String relative = entry.path().substring(1);
                byRelative.put(relative, entry);
                dump.append("# file: ").append(escapeForDump(relative)).append('\n').append(lines).append('\n');
            }
        }
        return dump.toString();
    }

    /**
     * A POSIX ACL's named users and groups as the sandbox's host ids, like the file's owner (the kernel compares an
     * entry's id with the process's host ids). An entry for an id the container cannot have is left out and reported.
     * The value is version 2 ({@code u32}) and then 8-byte entries: tag ({@code u16}), permissions ({@code u16}),
     * id ({@code u32}), little-endian; only {@code ACL_USER} (2) and {@code ACL_GROUP} (8) carry an id.
     *
     * @return the mapped value, or null when it is not such an ACL
     */
    private byte[] mapAclIds(FileEntry entry, String name, byte[] acl) {
        if (ids.isIdentity()) {
            return acl;
        }
        if (acl.length < 4 || (acl.length - 4) % 8 != 0) {
            return null;
        }
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(acl).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(acl.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putInt(in.getInt());
        while (in.hasRemaining()) {
            short tag = in.getShort();
            short perm = in.getShort();
            long id = Integer.toUnsignedLong(in.getInt());
            if (tag == 0x02 || tag == 0x08) {
                if (!ids.maps(id)) {
                    skip(entry, name + ": the entry for " + (tag == 0x02 ? "user " : "group ") + id
                            + " is left out: the container's ids are 0-" + (ids.size() - 1));
                    continue;
                }
                id = tag == 0x02 ? ids.hostUid(id) : ids.hostGid(id);
            }
            out.putShort(tag).putShort(perm).putInt((int) id);
        }
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    /** getfattr's spelling of a path: control characters and backslashes as octal escapes, other bytes as they are. */
    static String escapeForDump(String path) {
        StringBuilder out = new StringBuilder();
        for (char c : path.toCharArray()) {
            if (c < 0x20 || c == 0x7f || c == '\\') {
                out.append(String.format("\\%03o", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private boolean directory(FileEntry entry) {
        if (!parentReady(entry)) {
            return false;
        }
        Path target = target(entry.path());
        try {
            Files.createDirectory(target);
            directoryCount++;
        } catch (FileAlreadyExistsException e) {
            if (!isDirectory(target)) {  // made as a parent earlier it is fine; anything else is not
                skip(entry, "a non-directory is already at this path");
                return false;
            }
        } catch (IOException e) {
            skip(entry, "cannot create directory: " + e);
            return false;
        }
        directories.add(target);
        return true;
    }

    private void symlink(FileEntry entry) {
        if (!parentReady(entry)) {
            return;
        }
        Path target = target(entry.path());
        try {
            Files.createSymbolicLink(target, Path.of(entry.linkTarget()));
            if (!ids.maps(entry.uid()) || !ids.maps(entry.gid())) {
                skip(entry, unmappedOwner(entry));
            }
            Files.setAttribute(target, "unix:uid", hostUid(entry.uid()), NOFOLLOW);  // lchown: the link itself
            Files.setAttribute(target, "unix:gid", hostGid(entry.gid()), NOFOLLOW);
            symlinkCount++;
        } catch (IOException | RuntimeException e) {
            skip(entry, "cannot create symlink to " + entry.linkTarget() + ": " + e);
        }
    }

    private void hardLink(FileEntry link) {
        if (!parentReady(link)) {
            return;
        }
        Path existing = target(link.linkTarget());
        try {
            BasicFileAttributes attributes = Files.readAttributes(existing, BasicFileAttributes.class, NOFOLLOW);
            if (!attributes.isRegularFile() || !parentsAreOurs(existing)) {
                skip(link, "hard link target " + link.linkTarget() + " is not a regular file of the rootfs");
                return;
            }
            Files.createLink(target(link.path()), existing);
            hardLinkCount++;
        } catch (IOException e) {
            skip(link, "cannot link to " + link.linkTarget() + ": " + e);
        }
    }

    // Owner before mode: chown clears the setuid and setgid bits.
    private boolean ownAndMode(FileEntry entry, Path target) {
        try {
            int mode = entry.mode() & 07777;
            if (!ids.maps(entry.uid()) || !ids.maps(entry.gid())) {
                mode &= ~06000;  // a setuid file of nobody is no file the image has
                skip(entry, unmappedOwner(entry));
            }
            Files.setAttribute(target, "unix:uid", hostUid(entry.uid()), NOFOLLOW);
            Files.setAttribute(target, "unix:gid", hostGid(entry.gid()), NOFOLLOW);
            Files.setAttribute(target, "unix:mode", mode, NOFOLLOW);
            return true;
        } catch (IOException | RuntimeException e) {
            skip(entry, "cannot set owner " + entry.uid() + ":" + entry.gid() + " and mode " + Integer.toOctalString(entry.mode())
                    + ": " + e);
            return false;
        }
    }

    /** Makes sure every ancestor of the entry is a directory made here, creating missing ones (0755, root). */
    private boolean parentReady(FileEntry entry) {
        Path parent = target(entry.path()).getParent();
        List<Path> missing = new ArrayList<>();
        for (Path p = parent; !directories.contains(p); p = p.getParent()) {
            if (p.equals(rootfs) || !p.startsWith(rootfs)) {
                skip(entry, "its parent is outside the rootfs");
                return false;
            }
            missing.add(0, p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
                ownByContainerRoot(p);
                directoryCount++;
            } catch (FileAlreadyExistsException e) {
                if (!isDirectory(p)) {
                    skip(entry, "parent " + rootPath(p) + " is not a directory (a symlink is never followed while writing)");
                    return false;
                }
            } catch (IOException e) {
                skip(entry, "cannot create parent " + rootPath(p) + ": " + e);
                return false;
            }
            directories.add(p);
        }
        return true;
    }

    private int hostUid(int containerUid) {
        return (int) ids.hostUid(ids.maps(containerUid) ? containerUid : IdMapping.NOBODY);
    }

    private int hostGid(int containerGid) {
        return (int) ids.hostGid(ids.maps(containerGid) ? containerGid : IdMapping.NOBODY);
    }

    private String unmappedOwner(FileEntry entry) {
        return "owner " + entry.uid() + ":" + entry.gid() + " is outside the container's ids 0-" + (ids.size() - 1)
                + "; unpacked as nobody (" + IdMapping.NOBODY + "), without setuid and setgid";
    }

    // Directories the unpacker makes on its own are the container root's, as a runtime's would be.
    private void ownByContainerRoot(Path dir) throws IOException {
        if (!ids.isIdentity()) {
            Files.setAttribute(dir, "unix:uid", (int) ids.hostUid(0), NOFOLLOW);
            Files.setAttribute(dir, "unix:gid", (int) ids.hostGid(0), NOFOLLOW);
        }
    }

    private boolean parentsAreOurs(Path file) {
        return directories.contains(file.getParent());
    }

    private static boolean isDirectory(Path p) {
        return Files.isDirectory(p, NOFOLLOW);
    }

    private Path target(String imagePath) {
        Path target = rootfs.resolve(imagePath.substring(1)).normalize();
        if (!target.startsWith(rootfs)) {  // FileEntry paths are normalised; this only guards against a broken view
            throw new IllegalArgumentException("image path " + imagePath + " leaves the rootfs");
        }
        return target;
    }

    private String rootPath(Path p) {
        return "/" + rootfs.relativize(p);
    }

    private void skip(FileEntry entry, String reason) {
        skipped.add(new UnpackReport.Skipped(entry.path(), reason));
    }
}
