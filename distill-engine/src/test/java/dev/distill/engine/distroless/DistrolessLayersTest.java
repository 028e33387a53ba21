package dev.distill.engine.distroless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.debian.DebianPackage;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.layer.TarEntry;
import dev.distill.engine.layer.TarStream;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.testing.DebFile;
import dev.distill.engine.testing.TarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Package and extras layers from hand-made packages, read back from the written blobs. */
class DistrolessLayersTest {

    private static final String CONTROL = "Package: tiny\nVersion: 1.0\nArchitecture: amd64\nDescription: test\n";

    @TempDir
    Path dir;

    @Test
    void aPackageLayerIsSortedHasItsParentsAndItsStatusFiles() throws Exception {
        TarWriter data = new TarWriter();
        data.entry("./usr/share/zz/file", '0', 0640, 0, 0, "zz".getBytes(StandardCharsets.US_ASCII), "");
        data.entry("./etc/", '5', 0750, 0, 0, new byte[0], "");
        data.entry("./etc/link", '2', 0777, 0, 0, new byte[0], "../usr/share/zz/file");
        DebianPackage deb = DebianPackage.read(DebFile.write(dir.resolve("tiny_1.0_amd64.deb"), CONTROL, data.finish()));
        List<OmittedEntry> omitted = new ArrayList<>();

        Map<String, Object[]> layer = read(PackageLayers.packageTree(deb, omitted).write(dir.resolve("tiny.tar.gz")));

        assertThat(layer.keySet()).containsExactly("etc/", "etc/link", "usr/", "usr/share/", "usr/share/zz/", "usr/share/zz/file",
                "var/", "var/lib/", "var/lib/dpkg/", "var/lib/dpkg/status.d/", "var/lib/dpkg/status.d/tiny");
        assertThat(layer.get("etc/")[1]).isEqualTo(0750); // as the package has it
        assertThat(layer.get("usr/share/")[1]).isEqualTo(0755); // added, as dpkg would create it
        assertThat(layer.get("usr/share/zz/file")[2]).isEqualTo("zz");
        assertThat(layer.get("var/lib/dpkg/status.d/tiny")[2]).isEqualTo(CONTROL);
        assertThat(omitted).isEmpty();
    }

    @Test
    void deviceFilesAreRecordedNotDropped() throws Exception {
        TarWriter data = new TarWriter();
        data.file("/usr/bin/tool", "x".getBytes(StandardCharsets.US_ASCII), 0755);
        data.special("/dev/null", '3', 0666);
        data.special("/run/fifo", '6', 0600);
        DebianPackage deb = DebianPackage.read(DebFile.write(dir.resolve("dev_1.0_amd64.deb"), CONTROL, data.finish()));
        List<OmittedEntry> omitted = new ArrayList<>();

        Map<String, Object[]> layer = read(PackageLayers.packageTree(deb, omitted).write(dir.resolve("dev.tar.gz")));

        assertThat(layer).containsKey("usr/bin/tool").doesNotContainKey("dev/null").doesNotContainKey("run/fifo");
        assertThat(omitted).extracting(OmittedEntry::path).containsExactly("/dev/null", "/run/fifo");
        assertThat(omitted.get(0).reason()).startsWith("a char device cannot be carried");
        assertThat(omitted.get(1).reason()).startsWith("a fifo cannot be carried");
    }

    @Test
    void aHardLinkThatSortsBeforeItsTargetCarriesTheContent() throws Exception {
        LayerTree tree = new LayerTree("test");
        tree.file("/z/original", 0644, 0, 0, "same inode".getBytes(StandardCharsets.US_ASCII));
        tree.hardlink("/a/link", "/z/original", 0, 0);

        Map<String, Object[]> layer = read(tree.write(dir.resolve("links.tar.gz")));

        assertThat(layer.keySet()).containsExactly("a/", "a/link", "z/", "z/original");
        assertThat(layer.get("a/link")[0]).isEqualTo(FileType.REGULAR);
        assertThat(layer.get("a/link")[2]).isEqualTo("same inode");
        assertThat(layer.get("z/original")[0]).isEqualTo(FileType.HARDLINK);
        assertThat(layer.get("z/original")[3]).isEqualTo("a/link");
    }

    @Test
    void inconsistentTreesAreRefusedWithThePaths() throws Exception {
        LayerTree twice = new LayerTree("package twice");
        twice.file("/etc/x", 0644, 0, 0, new byte[0]);
        assertThatThrownBy(() -> twice.file("/etc/x", 0644, 0, 0, new byte[0])).isInstanceOf(DistrolessBuildException.class)
                .hasMessage("package twice has /etc/x twice");

        LayerTree underLink = new LayerTree("package odd");
        underLink.symlink("/lib", "usr/lib", 0, 0);
        underLink.file("/lib/x.so", 0644, 0, 0, new byte[0]);
        assertThatThrownBy(() -> underLink.write(dir.resolve("odd.tar.gz"))).isInstanceOf(DistrolessBuildException.class)
                .hasMessage("package odd: /lib/x.so is below /lib, which is a symlink, not a directory");

        LayerTree dangling = new LayerTree("package dangling");
        dangling.hardlink("/a", "/missing", 0, 0);
        assertThatThrownBy(() -> dangling.write(dir.resolve("dangling.tar.gz"))).isInstanceOf(DistrolessBuildException.class)
                .hasMessageContaining("hard link /a points at /missing");
    }

    @Test
    void theSameTreeGivesTheSameBlob() throws Exception {
        WrittenLayer first = ExtrasLayer.tree(debianOsRelease()).write(dir.resolve("a.tar.gz"));
        WrittenLayer second = ExtrasLayer.tree(debianOsRelease()).write(dir.resolve("b.tar.gz"));
        assertThat(second.digest()).isEqualTo(first.digest());
        assertThat(second.diffId()).isEqualTo(first.diffId());
        assertThat(Files.readAllBytes(second.file())).isEqualTo(Files.readAllBytes(first.file()));
    }

    @Test
    void osReleaseIsDistrolesssNamingTheDebianRelease() throws Exception {
        assertThat(ExtrasLayer.osRelease(debianOsRelease())).isEqualTo("""
                PRETTY_NAME="Distroless"
                NAME="Debian GNU/Linux"
                ID="debian"
                VERSION_ID="12"
                VERSION="Debian GNU/Linux 12 (bookworm)"
                """);
        assertThatThrownBy(() -> ExtrasLayer.osRelease("NAME=\"Debian GNU/Linux\"\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(DistrolessBuildException.class).hasMessageContaining("has no ID");
    }

    @Test
    void aMissingOrAmbiguousDebIsNamed() throws Exception {
        DebDirectory empty = new DebDirectory(dir);
        assertThatThrownBy(() -> empty.open("netbase")).isInstanceOf(DistrolessBuildException.class)
                .hasMessageStartingWith("no .deb for package netbase in " + dir);
        Files.createFile(dir.resolve("libc6_2.36-9+deb12u13_amd64.deb"));
        Files.createFile(dir.resolve("libc6_2.36-9+deb12u14_amd64.deb"));
        assertThatThrownBy(() -> empty.open("libc6")).isInstanceOf(DistrolessBuildException.class)
                .hasMessageContaining("several .debs for package libc6").hasMessageContaining("libc6_2.36-9+deb12u13_amd64.deb");
        DebDirectory pinned = new DebDirectory(dir, Map.of("libc6", "1:2.37-1"));
        assertThatThrownBy(() -> pinned.open("libc6")).isInstanceOf(DistrolessBuildException.class)
                .hasMessageContaining("no .deb for package libc6 version 1:2.37-1").hasMessageContaining("libc6_1%3a2.37-1_<arch>.deb");
    }

    @Test
    void theRecipeIsDistrolesss() {
        assertThat(DistrolessRecipe.packages(dev.distill.engine.plan.BaseImage.STATIC))
                .containsExactly("base-files", "netbase", "tzdata", "media-types", "ca-certificates");
        assertThat(DistrolessRecipe.packages(dev.distill.engine.plan.BaseImage.BASE)).endsWith("libc6", "libssl3");
        assertThat(DistrolessRecipe.packages(dev.distill.engine.plan.BaseImage.CC))
                .endsWith("libc6", "libssl3", "gcc-12-base", "libgcc-s1", "libgomp1", "libstdc++6");
        assertThat(DistrolessBaseBuilder.reference("127.0.0.1:5000", dev.distill.engine.plan.BaseImage.CC, BaseVariant.NONROOT))
                .hasToString("127.0.0.1:5000/distill/cc:nonroot");
        assertThat(DistrolessBaseBuilder.reference("registry.example:443/team/bases/", dev.distill.engine.plan.BaseImage.STATIC,
                BaseVariant.ROOT)).hasToString("registry.example:443/team/bases/static:latest");
    }

    private static byte[] debianOsRelease() {
        return """
                PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
                NAME="Debian GNU/Linux"
                VERSION_ID="12"
                VERSION="12 (bookworm)"
                VERSION_CODENAME=bookworm
                ID=debian
                HOME_URL="https://www.debian.org/"
                """.getBytes(StandardCharsets.UTF_8);
    }

    /** name -> {type, mode, content or null, link target} in archive order. */
    private static Map<String, Object[]> read(WrittenLayer layer) throws IOException {
        Map<String, Object[]> entries = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(layer.file()))) {
            TarStream tar = new TarStream(in, 1 << 20, 4096);
            for (TarEntry e = tar.next(); e != null; e = tar.next()) {
                String content = e.type() == FileType.REGULAR ? new String(tar.body().readAllBytes(), StandardCharsets.UTF_8) : null;
                entries.put(e.name(), new Object[] {e.type(), e.mode(), content, e.linkName()});
            }
        }
        return entries;
    }
}
