package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.fs.Xattrs;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerException;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layer.UnreadableEntry;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.testing.ConformanceCorpus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layer conformance corpus (fixtures/conformance): layers and images written by GNU tar, bsdtar, Python's
 * tarfile, busybox tar, umoci, skopeo and buildah. For every layer, Distill's merged view must say what the
 * writing side says (Python's tarfile reading it; for images, the rootfs umoci unpacks) about every path: type,
 * mode, owner, link target, size, content, extended attributes; an attribute it reads must have the very bytes the
 * kernel gave the tool. And the assembler must write every carried file back as it was, or as its policy says.
 * Differences are listed all at once, each with layer, tool and path.
 */
class LayerConformanceTest {

    private static final long MAX_HASHED = 64L * 1024 * 1024;
    /** The corpus holds an 8.5 GiB sparse file: above the default limit on what layers may expand to. */
    private static final LayerLimits ROOMY = LayerLimits.defaults().withMaxTotalUncompressedBytes(16L << 30);

    private static Path corpus;
    private static JsonNode index;

    @TempDir
    Path dir;

    @BeforeAll
    static void generate() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the corpus's source tree needs root (owners, devices, capabilities)");
        ConformanceCorpus generated = ConformanceCorpus.generate();
        corpus = generated.directory();
        index = generated.index();
    }

    static Stream<Arguments> layers() throws Exception {
        generate();
        List<Arguments> out = new ArrayList<>();
        index.path("layers").forEach(l -> out.add(Arguments.of(ConformanceCorpus.name(l), l)));
        return out.stream();
    }

    static Stream<Arguments> images() throws Exception {
        generate();
        List<Arguments> out = new ArrayList<>();
        index.path("images").forEach(i -> out.add(Arguments.of(ConformanceCorpus.name(i), i)));
        return out.stream();
    }

    @Test
    void theCorpusCoversEveryToolFormatAndCompression() {
        Set<String> tools = new LinkedHashSet<>();
        Set<String> media = new LinkedHashSet<>();
        index.path("layers").forEach(l -> {
            tools.add(l.path("tool").asText().split(" ")[0]);
            media.add(l.path("mediaType").asText());
        });
        index.path("images").forEach(i -> tools.add(i.path("tool").asText().split(" ")[0]));
        // buildah too: deploy/local/install-prereqs.sh installs it, and it works here (vfs storage, chroot isolation).
        assertThat(tools).contains("GNU", "bsdtar", "Python", "busybox", "umoci", "skopeo", "buildah");
        assertThat(media).hasSize(3);
        assertThat(index.path("layers").size()).isGreaterThanOrEqualTo(20);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void theMergedViewOfEachLayerSaysWhatItsToolWrote(String name, JsonNode layer) throws Exception {
        Descriptor descriptor = ConformanceCorpus.descriptor(layer);
        BlobSource blobs = BlobSource.directory(corpus.resolve("blobs"));
        LayeredFileSystem view = LayeredFileSystem.build(List.of(descriptor), blobs, ROOMY);
        List<String> differences = new ArrayList<>();

        Map<String, JsonNode> expected = new TreeMap<>();
        layer.path("entries").forEach(e -> expected.put(e.path("path").asText(), e));
        compare(name, view, expected, differences);

        Set<String> unreadable = new TreeSet<>();
        layer.path("unreadable").forEach(u -> unreadable.add(strip(u.asText())));
        Set<String> ours = new TreeSet<>();
        for (UnreadableEntry u : view.unreadableEntries()) {
            ours.add(strip(u.name()));
        }
        if (!ours.equals(unreadable)) {
            differences.add(name + ": entries left out as not UTF-8: " + ours + ", the tool's side: " + unreadable);
        }
        sourceAttributes(name, view, layer.path("features").asText().contains("--xattrs-include=*"), differences);
        assertThat(differences).as("differences between Distill's view and the tool's").isEmpty();

        if (layer.path("features").asText().contains("8.5 GiB")) {
            assertThatThrownBy(() -> LayeredFileSystem.build(List.of(descriptor), blobs))
                    .isInstanceOfSatisfying(LayerException.class, e -> assertThat(e.kind()).isEqualTo(LayerException.Kind.LIMIT_EXCEEDED))
                    .as("holes count against the default 8 GiB limit");
        }
        writeBack(name, List.of(descriptor), blobs);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void theMergedViewOfEachImageIsTheRootfsItUnpacksTo(String name, JsonNode image) throws Exception {
        OciLayout.LayoutImage layout = OciLayout.open(Path.of(image.path("layout").asText())).image(image.path("tag").asText());
        LayeredFileSystem view = LayeredFileSystem.build(layout.layers(), layout.blobs(), ROOMY);
        List<String> differences = new ArrayList<>();
        Map<String, JsonNode> onDisk = new TreeMap<>();
        image.path("entries").forEach(e -> onDisk.put(e.path("path").asText(), e));
        for (FileEntry e : (Iterable<FileEntry>) view.entries()::iterator) {
            JsonNode d = onDisk.remove(e.path());
            if (d == null) {
                differences.add(name + ": " + e.path() + " is in Distill's view, not in the unpacked rootfs");
                continue;
            }
            FileType type = e.type();
            if (type == FileType.HARDLINK) {
                JsonNode target = image.path("entries").findParents("path").stream()
                        .filter(t -> t.path("path").asText().equals(e.linkTarget())).findFirst().orElse(null);
                if (target == null || !d.path("inode").equals(target.path("inode"))) {
                    differences.add(name + ": " + e.path() + " is a hard link to " + e.linkTarget() + " in Distill's view, not on disk");
                }
                type = FileType.REGULAR;
            }
            check(name, e.path(), "type", d.path("type").asText(), type.name(), differences);
            check(name, e.path(), "mode", d.path("mode").asInt(), e.mode(), differences);
            check(name, e.path(), "owner", d.path("uid").asInt() + ":" + d.path("gid").asInt(), e.uid() + ":" + e.gid(), differences);
            if (e.isSymlink()) {
                check(name, e.path(), "link target", d.path("link").asText(), e.linkTarget(), differences);
            }
            if (type == FileType.REGULAR) {
                check(name, e.path(), "size", d.path("size").asLong(), e.size(), differences);
                if (!d.path("sha256").isNull()) {
                    check(name, e.path(), "content", d.path("sha256").asText(), sha256(view, e), differences);
                }
            }
            // umoci unpack applies every attribute a layer has except SELinux labels, which it leaves to the host.
            Map<String, String> ours = hex(e.xattrs().filter(n -> !Xattrs.isSelinux(n) && !e.isSymlink()));
            Map<String, String> theirs = new TreeMap<>();
            d.path("xattrs").fields().forEachRemaining(x -> theirs.put(x.getKey(), x.getValue().asText()));
            check(name, e.path(), "extended attributes", theirs, ours, differences);
        }
        onDisk.keySet().forEach(p -> differences.add(name + ": " + p + " is in the unpacked rootfs, not in Distill's view"));
        assertThat(differences).as("differences between Distill's view and the unpacked rootfs").isEmpty();
        writeBack(name, layout.layers(), layout.blobs());
    }

    private void compare(String name, LayeredFileSystem view, Map<String, JsonNode> expected, List<String> differences) throws IOException {
        for (JsonNode e : expected.values()) {
            String path = e.path("path").asText();
            FileEntry f = view.entry(path).orElse(null);
            if (f == null) {
                differences.add(name + ": " + path + " (" + e.path("type").asText() + ") is missing from Distill's view");
                continue;
            }
            check(name, path, "type", e.path("type").asText(), f.type().name(), differences);
            check(name, path, "mode", e.path("mode").asInt(), f.mode(), differences);
            check(name, path, "owner", e.path("uid").asInt() + ":" + e.path("gid").asInt(), f.uid() + ":" + f.gid(), differences);
            if (f.type() == FileType.SYMLINK || f.type() == FileType.HARDLINK) {
                check(name, path, "link target", e.path("link").asText(), f.linkTarget(), differences);
            }
            if (f.type() == FileType.REGULAR || f.type() == FileType.HARDLINK) {
                check(name, path, "size", e.path("size").asLong(), f.size(), differences);
                if (!e.path("sha256").isNull()) {
                    check(name, path, "content", e.path("sha256").asText(), sha256(view, f), differences);
                }
            }
            Map<String, String> theirs = new TreeMap<>();
            e.path("xattrs").fields().forEachRemaining(x -> theirs.put(x.getKey(), x.getValue().asText()));
            check(name, path, "extended attributes", theirs, hex(f.xattrs()), differences);
            Map<String, String> texts = new TreeMap<>();
            e.path("texts").fields().forEachRemaining(x -> texts.put(x.getKey(), x.getValue().asText()));
            check(name, path, "ACL/SELinux text records", texts, new TreeMap<>(f.xattrs().texts()), differences);
        }
        // What the view has beyond the tool's entries: only the parent directories unpacking makes.
        view.entries().filter(f -> !expected.containsKey(f.path())).forEach(f -> {
            boolean parent = f.isDirectory() && f.mode() == 0755 && f.uid() == 0 && f.gid() == 0
                    && expected.keySet().stream().anyMatch(p -> p.startsWith(f.path() + "/"));
            if (!parent) {
                differences.add(name + ": " + f.path() + " (" + f.type() + ") is in Distill's view but not in the tool's listing");
            }
        });
    }

    /** Every attribute Distill read must have the bytes the kernel gave the tool; with --xattrs-include=* all of them. */
    private static void sourceAttributes(String name, LayeredFileSystem view, boolean complete, List<String> differences) {
        index.path("source").fields().forEachRemaining(s -> {
            FileEntry f = view.entry(s.getKey()).orElse(null);
            if (f == null) {
                return;
            }
            s.getValue().fields().forEachRemaining(x -> {
                String ours = f.xattrs().value(x.getKey()).map(HexFormat.of()::formatHex).orElse(null);
                if (ours != null && !ours.equals(x.getValue().asText()) || ours == null && complete) {
                    differences.add(name + ": " + s.getKey() + " attribute " + x.getKey() + " is " + ours + " in Distill's view, "
                            + x.getValue().asText() + " on the source tree");
                }
            });
        });
    }

    /**
     * Carries every file of the view (but devices, FIFOs and files over 64 MiB) into a program layer and reads that
     * back: each file as it was, setuid/setgid dropped, attributes as {@link XattrPolicy} says.
     */
    private void writeBack(String name, List<Descriptor> layers, BlobSource blobs) throws Exception {
        LayeredFileSystem source = LayeredFileSystem.build(layers, blobs, ROOMY);
        List<CarriedFile> files = new ArrayList<>();
        Set<String> wanted = new java.util.HashSet<>();
        source.entries().forEach(f -> {
            boolean special = f.type() == FileType.CHAR_DEVICE || f.type() == FileType.BLOCK_DEVICE || f.type() == FileType.FIFO;
            if (!special && f.size() <= MAX_HASHED) {
                files.add(CarriedFile.of(f, "conformance"));
                if (f.isRegular() || f.type() == FileType.HARDLINK) {
                    wanted.add(f.path());
                }
            }
        });
        ProgramPlan plan = new ProgramPlan("all", List.of("/bin/true"), "root", "/", List.of(), List.of(), null, null, files,
                List.of(), List.of(), List.of(), List.of(), null, null, Identity.ROOT, "test", List.of());
        Path work = Files.createTempDirectory(dir, "writeback");
        ProgramLayer.Result result;
        try (SourceContent content = SourceContent.read(layers, blobs, ROOMY, wanted, Files.createDirectories(work.resolve("spool")))) {
            result = ProgramLayer.write(plan, content, MemoryFileSystem.builder().build(),
                    work.resolve("layer.tar.gz"));
        }
        Path written = work.resolve("blobs");
        Files.createDirectories(written.resolve("sha256"));
        Files.copy(result.layer().file(), written.resolve("sha256").resolve(result.layer().digest().hex()));
        LayeredFileSystem back = LayeredFileSystem.build(List.of(result.layer().descriptor()), BlobSource.directory(written), ROOMY);
        List<String> differences = new ArrayList<>();
        for (CarriedFile c : files) {
            FileEntry was = source.entry(c.path()).orElseThrow();
            FileEntry now = back.entry(c.path()).orElse(null);
            if (now == null) {
                differences.add(name + ": " + c.path() + " was not written back");
                continue;
            }
            boolean linkGroup = was.type() == FileType.HARDLINK || now.type() == FileType.HARDLINK;
            if (!linkGroup) {
                check(name, c.path(), "written type", was.type().name(), now.type().name(), differences);
            }
            check(name, c.path(), "written mode", was.isDirectory() ? was.mode() : was.mode() & 01777, now.mode(), differences);
            check(name, c.path(), "written owner", was.uid() + ":" + was.gid(), now.uid() + ":" + now.gid(), differences);
            if (was.isSymlink()) {
                check(name, c.path(), "written link target", was.linkTarget(), now.linkTarget(), differences);
            } else if (was.isRegular() || was.type() == FileType.HARDLINK) {
                check(name, c.path(), "written content", sha256(source, was), sha256(back, now), differences);
            }
            if (was.isRegular() || was.type() == FileType.HARDLINK || was.isDirectory()) {
                // docs/assembly.md: ACLs (binary and text) and user.* attributes are kept, everything else dropped.
                Xattrs kept = was.xattrs().filter(n -> Xattrs.isAcl(n) || n.startsWith("user."));
                check(name, c.path(), "written attributes", hex(kept), hex(now.xattrs()), differences);
                check(name, c.path(), "written text records", kept.texts(), now.xattrs().texts(), differences);
            }
        }
        assertThat(differences).as("files the assembler did not write back as they were").isEmpty();
    }

    private static void check(String name, String path, String what, Object expected, Object actual, List<String> differences) {
        if (!expected.equals(actual)) {
            differences.add(name + ": " + path + " " + what + ": the tool's side " + expected + ", Distill " + actual);
        }
    }

    private static Map<String, String> hex(Xattrs x) {
        Map<String, String> out = new TreeMap<>();
        x.values().forEach((k, v) -> out.put(k, HexFormat.of().formatHex(v)));
        return out;
    }

    private static String sha256(LayeredFileSystem fs, FileEntry f) throws IOException {
        String[] out = new String[1];
        fs.readAll(List.of(f), (file, in) -> out[0] = digest(in));
        return out[0];
    }

    private static String digest(InputStream in) throws IOException {
        MessageDigest sha = Digest.newSha256();
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) > 0; ) {
            sha.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String strip(String name) {
        String s = name.startsWith("./") ? name.substring(2) : name;
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
