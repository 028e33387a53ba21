package dev.distill.engine.runtime;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.image.Digest;
import dev.distill.engine.layer.LayerException;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.testing.ConformanceCorpus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A container's rootfs made from shared layer trees ({@link LayerTreeStore}, {@link OverlayRootfs}) is the rootfs a
 * full unpack makes ({@link RootfsUnpacker}, the reference), for every layer and image of the conformance corpus
 * (layers written by GNU tar, bsdtar, Python's tarfile, busybox tar, umoci, skopeo, buildah): every path, its type,
 * mode, owner after the sandbox's shift of ids, size and content, symlink targets, hard links (one inode within the
 * rootfs), the extended attributes applied, whiteouts and opaque directories applied. Both walks are listed and the
 * first differences printed.
 */
class CorpusLayerTreeRootfsTest {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    /** A sandbox's ids: container 0-65535 as host ids above the trees' own (as a {@link HostIdPool} range is). */
    private static final IdMapping SHIFTED = new IdMapping(231072, 362144, HostIdPool.RANGE_SIZE);

    @TempDir
    Path temp;

    private static ConformanceCorpus corpus;

    @BeforeAll
    static void generate() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && RootfsUnpacker.onPath("mknod") && RootfsUnpacker.onPath("setfattr")
                && RootfsUnpacker.onPath("getfattr"), "needs root, mknod, setfattr and getfattr");
        corpus = ConformanceCorpus.generate();
    }

    /** Each image both ways a run can give the trees' owners: id-mapped trees, and owners changed by the walk. */
    static Stream<Arguments> cases() throws Exception {
        generate();
        return corpus.cases().stream().flatMap(c -> Stream.of(OverlayRootfs.Owners.values()).map(o -> Arguments.of(c, o)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void theOverlayOfLayerTreesIsTheRootfsAFullUnpackMakes(ConformanceCorpus.Case image, OverlayRootfs.Owners owners) throws Exception {
        LayeredFileSystem view;
        try {
            view = LayeredFileSystem.build(image.layers(), image.blobs(), LayerLimits.defaults());
        } catch (LayerException e) {
            assumeTrue(e.kind() != LayerException.Kind.LIMIT_EXCEEDED, "never unpacked: " + e.getMessage());
            throw e;
        }
        LayerTreeStore store = LayerTreeStore.open(temp.resolve("trees"), 1L << 30);
        assumeTrue(store.overlayProblem() == null, "this host gives containers no overlay of trees: " + store.overlayProblem());
        assumeTrue(owners == OverlayRootfs.Owners.CHANGED_BY_WALK || store.owners(SHIFTED) == owners,
                "this host cannot mount trees id-mapped: " + store.idMapProblem());

        UnpackReport reference = RootfsUnpacker.unpack(view, temp.resolve("unpacked"), SHIFTED);
        List<UnpackReport.Skipped> skipped = new ArrayList<>();
        Path bundle = Files.createDirectory(temp.resolve("bundle"));
        try (OverlayRootfs overlay = OverlayRootfs.mount(bundle, store.acquire(view), view, SHIFTED, owners, skipped)) {
            List<String> differences = new ArrayList<>();
            Map<String, Set<String>> unpackedLinks = new TreeMap<>();
            Map<String, Set<String>> overlayLinks = new TreeMap<>();
            compare(walk(reference.rootfs(), unpackedLinks), walk(overlay.rootfs(), overlayLinks), differences);
            compare(xattrs(reference.rootfs(), unpackedLinks), capabilitiesAsSet(xattrs(overlay.rootfs(), overlayLinks)), differences);
            compare(notes(reference.skipped()), notes(skipped), differences);
            String checked = overlay.awaitCheck(java.time.Duration.ofSeconds(60));  // id-mapped trees: checked beside the run
            if (checked != null) {
                differences.add("the overlay's own check: " + checked);
            }
            if (!differences.isEmpty()) {
                throw new AssertionError(image + ": the overlay of layer trees differs from the full unpack in " + differences.size()
                        + " ways; first ones:\n  " + String.join("\n  ", differences.subList(0, Math.min(20, differences.size()))));
            }
        }
    }

    /** What each walk says of a path, by path; differences as "path: unpack X, overlay Y". */
    private static void compare(Map<String, String> unpacked, Map<String, String> overlay, List<String> differences) {
        Set<String> paths = new TreeSet<>(unpacked.keySet());
        paths.addAll(overlay.keySet());
        for (String p : paths) {
            String u = unpacked.get(p);
            String o = overlay.get(p);
            if (u == null || !u.equals(o)) {
                differences.add(p + ": full unpack " + (u == null ? "(absent)" : u) + ", overlay " + (o == null ? "(absent)" : o));
            }
        }
    }

    /**
     * Every path under {@code root} with its type, mode, host owner, and for a regular file its size, content hash and
     * the other names of its inode; for a symlink its target.
     */
    static Map<String, String> walk(Path root, Map<String, Set<String>> links) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<String, Set<String>> inodes = new TreeMap<>();
        Map<String, String> inodeOf = new TreeMap<>();
        List<Path> all;
        try (Stream<Path> walk = Files.walk(root)) {  // never through a symlink
            all = walk.toList();
        }
        for (Path p : all) {
            BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
            String path = p.equals(root) ? "/" : "/" + root.relativize(p);
            Map<String, Object> unix = Files.readAttributes(p, "unix:mode,uid,gid,ino,dev", NOFOLLOW);
            int mode = (Integer) unix.get("mode");
            StringBuilder s = new StringBuilder(attrs.isDirectory() ? "directory" : attrs.isSymbolicLink() ? "symlink"
                    : attrs.isRegularFile() ? "file" : "other " + Integer.toOctalString(mode & 0170000));
            s.append(' ').append(String.format("%04o", mode & 07777)).append(' ').append(unix.get("uid")).append(':').append(unix.get("gid"));
            if (attrs.isSymbolicLink()) {
                s.append(" -> ").append(Files.readSymbolicLink(p));
            } else if (attrs.isRegularFile()) {
                s.append(" size ").append(attrs.size()).append(" sha256 ").append(sha256(p));
                String inode = unix.get("dev") + ":" + unix.get("ino");
                inodes.computeIfAbsent(inode, i -> new TreeSet<>()).add(path);
                inodeOf.put(path, inode);
            }
            out.put(path, s.toString());
        }
        // Hard links: the names that share a file's inode within this rootfs (inode numbers themselves differ).
        inodeOf.forEach((path, inode) -> {
            Set<String> others = new TreeSet<>(inodes.get(inode));
            others.remove(path);
            if (!others.isEmpty()) {
                out.put(path, out.get(path) + " same inode as " + others);
                links.put(path, others);
            }
        });
        return out;
    }

    /**
     * Every extended attribute under {@code root} as getfattr dumps it (never through a symlink), by path. getfattr
     * lists one name of a hard-linked file only (which one depends on the directory's order): the others, {@code links}
     * from the walk, get the same.
     */
    static Map<String, String> xattrs(Path root, Map<String, Set<String>> links) throws IOException {
        String dump = LayerTreeStore.run(List.of("getfattr", "-R", "-P", "-h", "-d", "-m", "-", "-e", "hex", "."), root);
        Map<String, String> out = new TreeMap<>();
        String file = null;
        StringBuilder values = new StringBuilder();
        for (String line : (dump + "\n").split("\n")) {
            if (line.startsWith("# file: ")) {
                file = line.substring("# file: ".length());
                values.setLength(0);
            } else if (line.isEmpty() && file != null) {
                out.put("xattrs of " + file, values.toString().strip());
                for (String other : links.getOrDefault("/" + file, Set.of())) {
                    out.put("xattrs of " + other.substring(1), values.toString().strip());
                }
                file = null;
            } else if (file != null) {
                values.append(line).append(' ');
            }
        }
        return out;
    }

    /**
     * File capabilities as they were set. An id-mapped mount shows a capability set without a root id (version 2,
     * as a full unpack writes it, owned by any namespace's root) as version 3 with the mount's mapped root, here the
     * sandbox's host id for 0: the same capability for the container, whose own reading of either is version 2.
     */
    private static Map<String, String> capabilitiesAsSet(Map<String, String> xattrs) {
        String mappedRoot = String.format("%08x", Integer.reverseBytes((int) SHIFTED.hostUid(0)));
        Pattern v3 = Pattern.compile("security\\.capability=0x01000003([0-9a-f]{32})" + mappedRoot);
        Map<String, String> out = new TreeMap<>();
        xattrs.forEach((path, values) -> out.put(path, v3.matcher(values).replaceAll("security.capability=0x01000002$1")));
        return out;
    }

    /** What each way reported it did not place or apply, by path (the reasons as a sorted list). */
    private static Map<String, String> notes(List<UnpackReport.Skipped> skipped) {
        Map<String, Set<String>> byPath = new TreeMap<>();
        skipped.forEach(k -> byPath.computeIfAbsent("reported " + k.path(), p -> new TreeSet<>()).add(k.reason()));
        Map<String, String> out = new TreeMap<>();
        byPath.forEach((p, reasons) -> out.put(p, String.join("; ", reasons)));
        return out;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest sha = Digest.newSha256();
        try (InputStream in = Files.newInputStream(file, NOFOLLOW)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
