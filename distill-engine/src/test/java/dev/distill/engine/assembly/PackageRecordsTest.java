package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.packages.InstalledPackage;
import dev.distill.engine.packages.PackageDatabaseReader;
import dev.distill.engine.packages.PackageInventory;
import dev.distill.engine.testing.TarWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The records layer against a base that records some of the same packages. */
class PackageRecordsTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theBasesOwnRecordStandsForTheSameVersionAndTheSourcesGoesBesideAnother() throws Exception {
        TarWriter tar = new TarWriter();
        tar.directory("/usr", 0755);
        tar.directory("/usr/lib", 0755);
        tar.file("/usr/lib/libc.so.6", bytes("libc"), 0755);
        tar.file("/usr/lib/libfoo.so.1", bytes("foo"), 0644);
        tar.file("/usr/lib/libfoo.so.2", bytes("foo2"), 0644);
        tar.directory("/usr/share", 0755);
        tar.directory("/usr/share/doc", 0755);
        tar.directory("/usr/share/doc/libfoo1", 0755);
        tar.file("/usr/share/doc/libfoo1/copyright", bytes("Format: https://www.debian.org/doc/packaging-manuals/"
                + "copyright-format/1.0/\n\nFiles: *\nLicense: MIT\n"), 0644);
        tar.directory("/var", 0755);
        tar.directory("/var/lib", 0755);
        tar.directory("/var/lib/dpkg", 0755);
        tar.directory("/var/lib/dpkg/info", 0755);
        tar.file("/var/lib/dpkg/status", bytes("Package: libc6\nStatus: install ok installed\nMaintainer: m\n"
                + "Architecture: amd64\nVersion: 2.36-9\n\nPackage: libfoo1\nStatus: install ok installed\nMaintainer: m\n"
                + "Architecture: amd64\nVersion: 1.0\n"), 0644);
        tar.file("/var/lib/dpkg/info/libc6.list", bytes("/.\n/usr/lib/libc.so.6\n"), 0644);
        tar.file("/var/lib/dpkg/info/libfoo1.list", bytes("/.\n/usr/lib/libfoo.so.1\n/usr/lib/libfoo.so.2\n"
                + "/usr/share/doc/libfoo1/copyright\n"), 0644);
        tar.file("/var/lib/dpkg/info/libfoo1.md5sums", bytes("acbd18db4cc2f85cedef654fccc4a4d8  usr/lib/libfoo.so.1\n"), 0644);
        Descriptor layer = blob(tar.finish());
        BlobSource blobs = BlobSource.directory(dir);
        LayeredFileSystem view = LayeredFileSystem.build(List.of(layer), blobs);
        PackageDatabaseReader reader = new PackageDatabaseReader();
        view.readAll(view.entries().filter(FileEntry::isRegular).toList(), reader.visitor());
        PackageInventory inventory = reader.inventory(view);
        List<FileEntry> carried = List.of(view.entry("/usr/lib/libc.so.6").orElseThrow(),
                view.entry("/usr/lib/libfoo.so.1").orElseThrow());
        Map<String, List<InstalledPackage>> owners = inventory.owners();
        MemoryFileSystem base = MemoryFileSystem.builder().directory("/usr", 0755).directory("/usr/lib", 0755)
                .directory("/var", 0755).directory("/var/lib", 0755).directory("/var/lib/dpkg", 0755)
                .directory("/var/lib/dpkg/status.d", 0755).build();
        BasePackages basePackages = new BasePackages(List.of(), Map.of("libc6", "2.36-9", "libfoo1", "0.9"), null);
        Path spool = Files.createDirectory(dir.resolve("spool"));
        Set<String> wanted = Set.of("/usr/lib/libc.so.6", "/usr/lib/libfoo.so.1", "/usr/share/doc/libfoo1/copyright");

        PackageRecords.Result result;
        try (SourceContent content = SourceContent.read(List.of(layer), blobs, LayerLimits.defaults(), wanted, spool)) {
            result = PackageRecords.write(inventory, owners, carried, basePackages, base, content, dir.resolve("records.tar.gz"));
        }

        assertThat(result.contents().packages()).extracting(ResultContents.Package::name, ResultContents.Package::record)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("libc6", "recorded by the base (/var/lib/dpkg/status.d/libc6, the same version)"),
                        org.assertj.core.groups.Tuple.tuple("libfoo1", "/var/lib/dpkg/status.d/libfoo1~source"));
        assertThat(result.contents().notes()).singleElement().asString().contains("libfoo1 0.9").contains("libfoo1 1.0");
        assertThat(result.carried()).contains("/usr/share/doc/libfoo1/copyright");
        Descriptor written = blob(Files.readAllBytes(result.layer().file()), true);
        LayeredFileSystem records = LayeredFileSystem.build(List.of(written), BlobSource.directory(dir));
        assertThat(records.entries().filter(e -> !e.isDirectory()).map(FileEntry::path).toList()).containsExactly(
                "/usr/share/doc/libfoo1/copyright", "/var/lib/dpkg/status.d/libfoo1~source",
                "/var/lib/dpkg/status.d/libfoo1~source.md5sums");
        assertThat(records.entry("/usr/share/doc/libfoo1/copyright").orElseThrow().mode()).isEqualTo(0644);
        String record = new String(records.read(records.entry("/var/lib/dpkg/status.d/libfoo1~source").orElseThrow(), 4096),
                StandardCharsets.UTF_8);
        assertThat(record).startsWith("Package: libfoo1\n").endsWith("Distill-Partial: 2 of 3 files carried\n");
        assertThat(new String(records.read(records.entry("/var/lib/dpkg/status.d/libfoo1~source.md5sums").orElseThrow(), 4096),
                StandardCharsets.UTF_8)).isEqualTo("acbd18db4cc2f85cedef654fccc4a4d8  usr/lib/libfoo.so.1\n");
    }

    @Test
    void recordsGoThroughADirectoryTheProgramCarriesAsALink() {
        Map<String, FileEntry> program = Map.of("/lib", new FileEntry("/lib", FileType.SYMLINK, 0777, 0, 0, 7, "usr/lib",
                "sha256:x", 0));
        MemoryFileSystem base = MemoryFileSystem.builder().directory("/lib", 0755).symlink("/var", "/data").build();

        assertThat(PackageRecords.place("/lib/apk/db/installed", program, base)).isEqualTo("/usr/lib/apk/db/installed");
        assertThat(PackageRecords.place("/var/lib/dpkg/status.d/x", program, base)).isEqualTo("/data/lib/dpkg/status.d/x");
        assertThat(PackageRecords.place("/etc/x", program, base)).isEqualTo("/etc/x");
    }

    private Descriptor blob(byte[] tar) throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar);
        }
        return blob(gz.toByteArray(), true);
    }

    private Descriptor blob(byte[] gzipped, boolean compressed) throws Exception {
        Digest digest = Digest.sha256(gzipped);
        Files.createDirectories(dir.resolve(digest.algorithm()));
        Files.write(dir.resolve(digest.algorithm()).resolve(digest.hex()), gzipped);
        return new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, digest, gzipped.length);
    }
}
