package dev.distill.engine.distroless;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layer.TarEntry;
import dev.distill.engine.layer.TarStream;
import dev.distill.engine.plan.BaseImage;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.DistrolessBases;
import dev.distill.engine.testing.LocalRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bases built from the real Debian 12 packages (downloaded by deploy/local/bases.sh --download-only into the
 * fixtures' .deb cache), pushed to a real registry and checked the way distroless's own structure tests check
 * theirs, by pulling them back: accounts, os-release, CA bundle, dpkg status, /tmp, homes, no shell, the loader
 * only where libc is.
 */
class DistrolessBasesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOADER = "/lib64/ld-linux-x86-64.so.2";

    private static LocalRegistry registry;
    private static RegistryClient client;
    private static DebDirectory debs;
    private static BaseBuildReport report;
    private static final Map<String, LayeredFileSystem> filesystems = new HashMap<>();

    @BeforeAll
    static void build(@TempDir Path work) throws Exception {
        registry = LocalRegistry.start();
        client = registry.client();
        debs = DistrolessBases.downloadedDebs();
        report = new DistrolessBaseBuilder(client, debs, work.resolve("first")).buildAndPush(registry.host());
        System.out.printf("%-8s %-8s %12s %12s  (reference: distroless static ~2 MiB, base ~20 MiB, cc ~23 MiB uncompressed)%n",
                "flavour", "tag", "compressed", "uncompressed");
        report.images().forEach(i -> System.out.printf("%-8s %-8s %12d %12d  %.1f MiB%n", i.flavour().flavour(), i.variant().tag(),
                i.compressedSize(), i.uncompressedSize(), i.uncompressedSize() / 1048576.0));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void pushesSixTaggedImagesAndSaysWhatItPushed() throws Exception {
        assertThat(report.images()).hasSize(6);
        Map<BaseImage, Set<Digest>> perFlavour = new EnumMap<>(BaseImage.class);
        for (PushedBase image : report.images()) {
            ImageReference tagged = ImageReference.parse(registry.host() + "/distill/" + image.flavour().flavour() + ":" + image.variant().tag());
            assertThat(image.reference().withDigest(null)).isEqualTo(tagged);
            // The tag points at exactly this image (and not, say, at the other variant pushed to the same repository).
            assertThat(client.headDigest(tagged)).as(tagged.toString()).isEqualTo(image.manifestDigest());
            assertThat(image.compressedSize()).isPositive().isLessThan(image.uncompressedSize());
            perFlavour.computeIfAbsent(image.flavour(), f -> new HashSet<>()).add(image.manifestDigest());
        }
        assertThat(perFlavour.values()).allSatisfy(digests -> assertThat(digests).hasSize(2));
        assertThat(report.packages()).hasSize(11).allSatisfy(p -> assertThat(p).matches("[a-z0-9.+-]+=[0-9][^ ]*"));
        assertThat(report.omitted()).allSatisfy(o -> assertThat(o.packageName()).isEqualTo("ca-certificates"))
                .anySatisfy(o -> assertThat(o.path()).isEqualTo("/usr/sbin/update-ca-certificates"));
    }

    @Test
    void sizesAreThoseOfDistroless() {
        Map<BaseImage, Long> sizes = new EnumMap<>(BaseImage.class);
        report.images().forEach(i -> sizes.put(i.flavour(), i.uncompressedSize()));
        long mib = 1024 * 1024;
        // Distroless: static ~2 MiB, base ~20, cc ~23; ours carry bookworm's current tzdata and point releases.
        assertThat(sizes.get(BaseImage.STATIC)).isBetween(1 * mib, 5 * mib);
        assertThat(sizes.get(BaseImage.BASE)).isBetween(15 * mib, 28 * mib);
        assertThat(sizes.get(BaseImage.CC) - sizes.get(BaseImage.BASE)).isBetween(1 * mib, 6 * mib);
    }

    @Test
    void configsCarryUserWorkdirEnvAndAFixedTime() throws Exception {
        for (PushedBase image : report.images()) {
            ResolvedImage resolved = client.resolve(image.reference(), Platform.LINUX_AMD64);
            assertThat(resolved.manifestMediaType()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
            assertThat(resolved.imageConfig().user()).isEqualTo(image.variant() == BaseVariant.ROOT ? "0" : "65532");
            assertThat(resolved.imageConfig().workingDir()).isEqualTo(image.variant() == BaseVariant.ROOT ? "/" : "/home/nonroot");
            assertThat(resolved.imageConfig().env()).containsExactly("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt");
            assertThat(resolved.imageConfig().entrypoint()).isNullOrEmpty();
            assertThat(resolved.imageConfig().labels()).containsEntry("dev.distill.base", image.flavour().flavour())
                    .containsEntry("dev.distill.base.variant", image.variant().tag());
            JsonNode config;
            try (InputStream in = client.openBlob(resolved.pinnedReference(), resolved.config())) {
                config = JSON.readTree(in);
            }
            assertThat(config.path("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
            assertThat(config.path("architecture").asText()).isEqualTo("amd64");
            assertThat(config.path("os").asText()).isEqualTo("linux");
            assertThat(config.path("history")).hasSize(resolved.layers().size());
            assertThat(config.path("rootfs").path("diff_ids")).hasSize(resolved.layers().size());
        }
    }

    @Test
    void accountsAreExactlyDistrolesss() throws Exception {
        for (BaseImage flavour : BaseImage.values()) {
            LayeredFileSystem fs = pulled(flavour, BaseVariant.NONROOT);
            assertThat(text(fs, "/etc/passwd")).isEqualTo("""
                    root:x:0:0:root:/root:/sbin/nologin
                    nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
                    nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
                    """);
            assertThat(text(fs, "/etc/group")).isEqualTo("root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n");
            assertThat(text(fs, "/etc/nsswitch.conf")).contains("hosts:          files dns\n");
            FileEntry home = fs.entry("/home/nonroot").orElseThrow();
            assertThat(home.type()).isEqualTo(FileType.DIRECTORY);
            assertThat(home.mode()).isEqualTo(0700);
            assertThat(home.uid()).isEqualTo(65532);
            assertThat(home.gid()).isEqualTo(65532);
            FileEntry root = fs.entry("/root").orElseThrow();
            assertThat(root.mode()).isEqualTo(0700);
            assertThat(root.uid()).isZero();
            FileEntry tmp = fs.entry("/tmp").orElseThrow();
            assertThat(tmp.type()).isEqualTo(FileType.DIRECTORY);
            assertThat(tmp.mode()).isEqualTo(01777);
        }
    }

    @Test
    void osReleaseSaysDistrolessOnDebian12() throws Exception {
        for (BaseImage flavour : BaseImage.values()) {
            LayeredFileSystem fs = pulled(flavour, BaseVariant.ROOT);
            assertThat(fs.entry("/etc/os-release").orElseThrow().linkTarget()).isEqualTo("../usr/lib/os-release");
            FileEntry osRelease = fs.resolve("/etc/os-release").orElseThrow();
            assertThat(osRelease.path()).isEqualTo("/usr/lib/os-release");
            assertThat(new String(fs.read(osRelease, 4096), StandardCharsets.UTF_8)).startsWith("PRETTY_NAME=\"Distroless\"\n")
                    .contains("\nID=\"debian\"\n", "\nVERSION_ID=\"12\"\n", "\nVERSION=\"Debian GNU/Linux 12 (bookworm)\"\n");
        }
    }

    @Test
    void caBundleHoldsEveryCertificateOfTheDebianPackage() throws Exception {
        LayeredFileSystem fs = pulled(BaseImage.STATIC, BaseVariant.ROOT);
        String bundle = text(fs, "/etc/ssl/certs/ca-certificates.crt");
        int begins = bundle.split("-----BEGIN CERTIFICATE-----", -1).length - 1;
        int ends = bundle.split("-----END CERTIFICATE-----", -1).length - 1;
        assertThat(begins).isEqualTo(report.certificates()).isEqualTo(ends).isGreaterThan(100);
        assertThat(fs.entry("/usr/share/doc/ca-certificates/copyright")).isPresent();
        // ca-certificates' tools and single certificate files are not carried, as in distroless.
        assertThat(fs.entry("/usr/sbin/update-ca-certificates")).isEmpty();
        assertThat(fs.entry("/usr/share/ca-certificates")).isEmpty();
    }

    @Test
    void everyPackageHasItsDpkgStatusFiles() throws Exception {
        for (BaseImage flavour : BaseImage.values()) {
            LayeredFileSystem fs = pulled(flavour, BaseVariant.ROOT);
            List<String> names = fs.list("/var/lib/dpkg/status.d").stream().map(e -> e.path().substring("/var/lib/dpkg/status.d/".length()))
                    .sorted().toList();
            List<String> expected = new ArrayList<>();
            for (String name : DistrolessRecipe.packages(flavour)) {
                expected.add(name);
                expected.add(name + ".md5sums");
            }
            assertThat(names).as(flavour.flavour()).containsExactlyInAnyOrderElementsOf(expected);
            for (String name : DistrolessRecipe.packages(flavour)) {
                String status = text(fs, "/var/lib/dpkg/status.d/" + name);
                assertThat(status).startsWith("Package: " + name + "\n").contains("\nVersion: ");
                // As written in the package: the same text dpkg-deb would show.
                assertThat(status).isEqualTo(debs.open(name).control().text());
                assertThat(text(fs, "/var/lib/dpkg/status.d/" + name + ".md5sums")).matches("(?s)([0-9a-f]{32}  [^\n]+\n)+");
            }
            assertThat(fs.entry("/var/lib/dpkg/status")).isEmpty();
        }
    }

    @Test
    void noShellAndTheLoaderOnlyWhereLibcIs() throws Exception {
        for (BaseImage flavour : BaseImage.values()) {
            LayeredFileSystem fs = pulled(flavour, BaseVariant.ROOT);
            for (String shell : List.of("/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/sh", "/sbin/nologin", "/usr/bin/apt", "/usr/bin/dpkg")) {
                assertThat(fs.resolve(shell)).as(flavour.flavour() + " " + shell).isEmpty();
            }
            boolean libc = flavour != BaseImage.STATIC;
            assertThat(fs.resolve(LOADER)).as(flavour.flavour() + " loader").matches(e -> e.isPresent() == libc);
            assertThat(fs.resolve("/lib/x86_64-linux-gnu/libc.so.6").isPresent()).isEqualTo(libc);
            assertThat(fs.resolve("/usr/lib/x86_64-linux-gnu/libssl.so.3").isPresent()).isEqualTo(libc);
            assertThat(fs.resolve("/usr/lib/x86_64-linux-gnu/libstdc++.so.6").isPresent()).isEqualTo(flavour == BaseImage.CC);
            assertThat(fs.resolve("/usr/lib/x86_64-linux-gnu/libgomp.so.1").isPresent()).isEqualTo(flavour == BaseImage.CC);
            assertThat(fs.resolve("/usr/share/zoneinfo/Europe/Paris")).isPresent();
            assertThat(fs.resolve("/etc/services")).isPresent();
            assertThat(fs.resolve("/etc/mime.types")).isPresent();
        }
    }

    @Test
    void everyLayerIsSortedWithItsParentDirectories() throws Exception {
        ResolvedImage cc = client.resolve(reference(BaseImage.CC, BaseVariant.ROOT), Platform.LINUX_AMD64);
        for (Descriptor layer : cc.layers()) {
            List<String> names = new ArrayList<>();
            Map<String, FileType> types = new LinkedHashMap<>();
            try (InputStream in = new GZIPInputStream(client.openBlob(cc.pinnedReference(), layer))) {
                TarStream tar = new TarStream(in, 1L << 30, 4096);
                for (TarEntry entry = tar.next(); entry != null; entry = tar.next()) {
                    String name = entry.name().endsWith("/") ? entry.name().substring(0, entry.name().length() - 1) : entry.name();
                    names.add(name);
                    types.put(name, entry.type());
                    int slash = name.lastIndexOf('/');
                    if (slash > 0) {
                        assertThat(types.get(name.substring(0, slash))).as(layer.digest() + ": parent of " + name).isEqualTo(FileType.DIRECTORY);
                    }
                }
            }
            assertThat(names).as(layer.digest().toString()).isSorted().doesNotHaveDuplicates().isNotEmpty();
        }
    }

    @Test
    void buildingTwiceGivesTheSameDigests(@TempDir Path work) throws Exception {
        BaseBuildReport again = new DistrolessBaseBuilder(client, debs, work).buildAndPush(registry.host() + "/again");
        for (int i = 0; i < report.images().size(); i++) {
            PushedBase first = report.images().get(i);
            PushedBase second = again.images().get(i);
            assertThat(second.flavour()).isEqualTo(first.flavour());
            assertThat(second.variant()).isEqualTo(first.variant());
            assertThat(second.reference().repository()).isEqualTo("again/" + first.flavour().flavour());
            assertThat(second.manifestDigest()).as(first.reference().toString()).isEqualTo(first.manifestDigest());
        }
    }

    private static ImageReference reference(BaseImage flavour, BaseVariant variant) {
        return DistrolessBaseBuilder.reference(registry.host(), flavour, variant);
    }

    private static synchronized LayeredFileSystem pulled(BaseImage flavour, BaseVariant variant) throws IOException {
        String key = flavour + ":" + variant;
        LayeredFileSystem fs = filesystems.get(key);
        if (fs == null) {
            try {
                ResolvedImage image = client.resolve(reference(flavour, variant), Platform.LINUX_AMD64);
                fs = LayeredFileSystem.build(image.layers(), BlobSource.registry(client, image.pinnedReference()));
            } catch (dev.distill.engine.registry.RegistryException e) {
                throw new IOException(e);
            }
            filesystems.put(key, fs);
        }
        return fs;
    }

    private static String text(LayeredFileSystem fs, String path) throws IOException {
        FileEntry entry = fs.resolve(path).orElseThrow(() -> new AssertionError(path + " is missing"));
        assertThat(entry.type()).as(path).isEqualTo(FileType.REGULAR);
        return new String(fs.read(entry, 4 * 1024 * 1024), StandardCharsets.UTF_8);
    }

}
