package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.packages.InstalledPackage;
import dev.distill.engine.packages.PackageDatabaseReader;
import dev.distill.engine.packages.PackageFile;
import dev.distill.engine.packages.PackageInventory;
import dev.distill.engine.packages.PackageManager;
import dev.distill.engine.registry.Referrers;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.sbom.CycloneDxSbom;
import dev.distill.engine.sbom.SpdxSbom;
import dev.distill.engine.sbom.SpdxVerifier;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cyclonedx.parsers.JsonParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a scanner finds in a result image: the package records of the files it carries (dpkg's status.d for the PHP
 * fixture, apk's installed database for the musl fixture), each file they list really there with the content they
 * say, and the SBOMs attached as referrers, found through the tag schema on docker-registry 2.8.
 */
class PackageRecordsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static AssemblyRig rig;
    private static RegistryClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        rig = AssemblyRig.get();
        client = rig.client;
    }

    @Test
    void phpResultsCarryTheStatusRecordsOfTheirPackagesAndAnSbomReferrer() throws Exception {
        AssemblyRig.Analysed source = rig.analyse("fixtures/php:1");
        ImageAssembler.Assembly assembly = rig.assembler().assemble(rig.source(source, source.plan(), "records"));
        List<ImageAssembler.ProgramImage> images = rig.assembler().publish(assembly);
        PackageInventory inventory = source.report().packages();

        for (ImageAssembler.ProgramImage image : images) {
            ResolvedImage result = client.resolve(rig.registry.reference("fixtures/php:" + image.tag()), Platform.LINUX_AMD64);
            LayeredFileSystem fs = LayeredFileSystem.build(result, client, LayerLimits.defaults());
            ResultContents contents = image.contents();
            assertThat(contents.packageDatabase()).isEqualTo("dpkg (/var/lib/dpkg/status.d)");
            String program = image.program().equals("php-fpm") ? "php8.2-fpm" : "nginx";
            assertThat(contents.packages()).extracting(ResultContents.Package::name).contains(program, "libc6");
            assertThat(contents.packages()).extracting(ResultContents.Package::name)
                    .doesNotContain("bash", "dash", "apt", "supervisor", "python3.11-minimal");

            // Read back from the image the way a scanner does: every record, every md5sums line true of the file there.
            PackageDatabaseReader reader = new PackageDatabaseReader();
            fs.readAll(fs.entries().filter(e -> e.isRegular() && PackageDatabaseReader.reads(e.path())).toList(), reader.visitor());
            PackageInventory recorded = reader.inventory(fs);
            assertThat(recorded.problems()).isEmpty();
            assertThat(recorded.packages()).extracting(InstalledPackage::name)
                    .containsExactlyInAnyOrderElementsOf(contents.packages().stream().map(ResultContents.Package::name).toList());
            int checked = 0;
            for (InstalledPackage p : recorded.packages()) {
                InstalledPackage inSource = inventory.packages().stream().filter(s -> s.name().equals(p.name())).findFirst().orElseThrow();
                assertThat(p.version()).isEqualTo(inSource.version());
                ResultContents.Package listed = contents.packages().stream().filter(c -> c.name().equals(p.name())).findFirst().orElseThrow();
                assertThat(p.record().contains("Distill-Partial: " + listed.filesCarried() + " of " + listed.filesTotal()
                        + " files carried")).as(p.name()).isEqualTo(listed.partial());
                for (PackageFile f : p.files()) {
                    FileEntry there = fs.entry(f.path()).orElseThrow();
                    if (f.checksum() != null) {
                        assertThat(md5(fs, there)).as(f.path()).isEqualTo(f.checksum());
                        checked++;
                    }
                }
                if (inSource.copyright() != null) {
                    assertThat(fs.entry(inSource.copyright())).as("the licence goes with " + p.name()).isPresent();
                }
            }
            assertThat(checked).as("md5sums lines checked against the files").isGreaterThan(10);
            // The application (layer 2) and what no package installs (php.ini made from php.ini-production, conf.d links).
            assertThat(contents.unpackaged()).doesNotContain("/usr/sbin/php-fpm8.2", "/usr/sbin/nginx")
                    .contains(image.program().equals("php-fpm") ? "/etc/php/8.2/fpm/php.ini" : "/etc/nginx/sites-available/app");

            dpkgQueryAgrees(fs, contents);
            sbomIsAttached(result, image, source);
        }
        PackageSurface surface = assembly.leftBehind().packageSurface();
        assertThat(surface.manager()).isEqualTo("DPKG");
        assertThat(surface.sourcePackages()).isEqualTo(127);
        assertThat(surface.packagesRemoved()).isEqualTo(127 - surface.remaining().size()).isGreaterThan(40);
        assertThat(surface.remaining()).extracting(PackageSurface.Remaining::name).contains("php8.2-fpm", "nginx")
                .doesNotContain("bash", "supervisor");
        assertThat(surface.filesRemoved()).isPositive().isLessThan(surface.sourceFiles());
        assertThat(surface.remaining()).allSatisfy(r -> assertThat(r.bytesCarried()).isLessThanOrEqualTo(r.bytesTotal()));
    }

    @Test
    void theMuslResultHasApksDatabaseOfWhatItCarries() throws Exception {
        AssemblyRig.Analysed source = rig.analyse("fixtures/musl:1");
        ImageAssembler.ProgramImage image = rig.assembler().publish(rig.assembler().assemble(
                rig.source(source, source.plan(), "records"))).get(0);
        ResolvedImage result = client.resolve(rig.registry.reference("fixtures/musl:" + image.tag()), Platform.LINUX_AMD64);
        LayeredFileSystem fs = LayeredFileSystem.build(result, client, LayerLimits.defaults());

        assertThat(image.contents().packageDatabase()).isEqualTo("apk (/lib/apk/db/installed)");
        PackageDatabaseReader reader = new PackageDatabaseReader();
        fs.readAll(fs.entries().filter(e -> e.isRegular() && PackageDatabaseReader.reads(e.path())).toList(), reader.visitor());
        PackageInventory recorded = reader.inventory(fs);
        assertThat(recorded.manager()).isEqualTo(PackageManager.APK);
        assertThat(recorded.packages()).extracting(InstalledPackage::name).containsExactly("musl");
        InstalledPackage musl = recorded.packages().get(0);
        for (PackageFile f : musl.files()) {
            FileEntry there = fs.entry(f.path()).orElseThrow();
            if (there.isRegular()) {
                MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
                sha1.update(fs.read(there, Integer.MAX_VALUE));
                assertThat("Q1" + Base64.getEncoder().encodeToString(sha1.digest())).as(f.path()).isEqualTo(f.checksum());
            }
        }
        ResultContents.Package listed = image.contents().packages().get(0);
        assertThat(musl.record().contains("f:f")).as("partial is apk's broken-files mark").isEqualTo(listed.partial());
        assertThat(image.contents().unpackaged()).contains("/usr/local/bin/greeter", "/usr/local/lib/libgreet.so.1");
        JsonNode bom = sbomIsAttached(result, image, source);
        assertThat(purls(bom)).anyMatch(p -> p.startsWith("pkg:apk/alpine/musl@1.2.3-r0?arch=x86_64"));
    }

    /** The result's status.d records, concatenated, are a status file dpkg reads without a warning. */
    private void dpkgQueryAgrees(LayeredFileSystem fs, ResultContents contents) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg-query")), "dpkg-query is needed");
        Path admin = Files.createTempDirectory(dir, "dpkg");
        Files.createDirectories(admin.resolve("info"));
        Files.createDirectories(admin.resolve("updates"));
        StringBuilder status = new StringBuilder();
        for (FileEntry e : fs.list("/var/lib/dpkg/status.d")) {
            if (!e.path().endsWith(".md5sums")) {
                status.append(new String(fs.read(e, 1 << 20), StandardCharsets.UTF_8)).append('\n');
            }
        }
        Files.writeString(admin.resolve("status"), status);
        Process p = new ProcessBuilder("dpkg-query", "--admindir=" + admin, "-W", "-f",
                "${Package}\\t${Version}\\t${db:Status-Abbrev}\\t${Distill-Partial}\\n").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).doesNotContain("warning");
        List<String> expected = new ArrayList<>();
        for (ResultContents.Package c : contents.packages()) {
            expected.add(c.name() + "\t" + c.version() + "\tii \t"
                    + (c.partial() ? c.filesCarried() + " of " + c.filesTotal() + " files carried" : ""));
        }
        assertThat(out.lines().toList()).containsExactlyInAnyOrderElementsOf(expected);
    }

    private JsonNode sbomIsAttached(ResolvedImage result, ImageAssembler.ProgramImage image, AssemblyRig.Analysed source)
            throws Exception {
        ImageReference repo = result.reference();
        List<Referrers.Referrer> found = new Referrers(client).list(repo, result.manifestDigest(), CycloneDxSbom.MEDIA_TYPE);
        assertThat(found).singleElement().satisfies(r -> assertThat(r.manifestDigest().toString())
                .isEqualTo(image.contents().sbom().cyclonedxManifest()));
        assertThat(new Referrers(client).list(repo, result.manifestDigest(), SpdxSbom.MEDIA_TYPE)).hasSize(1);
        assertThat(image.contents().sbom().discovery()).isEqualTo("tag schema (sha256-" + result.manifestDigest().hex() + ")");
        String location = image.contents().sbom().cyclonedx();
        byte[] sbom;
        try (InputStream in = client.openBlob(repo, Digest.parse(location.substring(location.indexOf('@') + 1)))) {
            sbom = in.readAllBytes();
        }
        assertThat(new JsonParser().validate(sbom, CycloneDxSbom.VERSION)).isEmpty();
        String spdxLocation = image.contents().sbom().spdx();
        try (InputStream in = client.openBlob(repo, Digest.parse(spdxLocation.substring(spdxLocation.indexOf('@') + 1)))) {
            assertThat(SpdxVerifier.problems(in.readAllBytes())).as("SPDX 2.3 verification of " + image.program()).isEmpty();
        }
        JsonNode bom = JSON.readTree(sbom);
        assertThat(bom.at("/metadata/component/version").asText()).isEqualTo(result.manifestDigest().toString());
        assertThat(bom.at("/metadata/component/pedigree/ancestors/0/version").asText())
                .isEqualTo(source.image().pushedDigest().toString());
        assertThat(bom.at("/components/0/version").asText()).isEqualTo(image.baseDigest().toString());
        for (ResultContents.Package p : image.contents().packages()) {
            assertThat(bom.path("components").findValuesAsText("name")).as("SBOM of " + image.program()).contains(p.name());
        }
        for (String path : image.contents().unpackaged()) {
            assertThat(bom.path("components").findValuesAsText("name")).contains(path);
        }
        return bom;
    }

    private static List<String> purls(JsonNode bom) {
        return bom.path("components").findValuesAsText("purl");
    }

    private static String md5(LayeredFileSystem fs, FileEntry e) throws Exception {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        try (InputStream in = fs.open(fs.resolve(e.path()).orElseThrow())) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md5.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }
}
