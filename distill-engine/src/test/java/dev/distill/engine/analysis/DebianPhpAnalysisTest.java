package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.packages.InstalledPackage;
import dev.distill.engine.packages.PackageFile;
import dev.distill.engine.packages.PackageInventory;
import dev.distill.engine.packages.PackageManager;
import dev.distill.engine.plan.BaseImage;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.Classification;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.WritablePlace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed application (php-fpm + nginx under supervisord, Debian 12, built by fixtures/), analysed from its
 * layers as the analyzer does: one image per supervisord program, each with exactly what it needs.
 */
class DebianPhpAnalysisTest {

    private static AnalysisReport report;

    @BeforeAll
    static void analyse() throws Exception {
        Fixtures.Built built = Fixtures.build("debian-php");
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        LayeredFileSystem fs = LayeredFileSystem.build(image.layers(), image.blobs());
        report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(fs, image.config(),
                new AnalysisReport.Subject("fixtures/debian-php", image.manifestDigest().toString(), "linux/amd64"));
        Path out = Path.of("target/debian-php-analysis.json");
        Files.createDirectories(out.getParent());
        new ObjectMapper().findAndRegisterModules().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
    }

    private static ProgramPlan program(String name) {
        return report.plan().programs().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> paths(ProgramPlan p) {
        return p.files().stream().map(CarriedFile::path).toList();
    }

    @Test
    void supervisordBecomesOneMigratablePlanPerProgram() {
        assertThat(report.plan().programs()).extracting(ProgramPlan::name).containsExactly("php-fpm", "nginx");
        assertThat(report.classification()).as("%s", report.plan().warnings()).isEqualTo(Classification.MIGRATABLE);
        assertThat(program("php-fpm").command()).containsExactly("/usr/sbin/php-fpm8.2", "-F");
        assertThat(program("nginx").command()).containsExactly("/usr/sbin/nginx", "-g", "daemon off;");
        assertThat(program("nginx").stopSignal()).isEqualTo("SIGQUIT");
    }

    @Test
    void eachProgramCarriesItsLoaderClosureItsDlopenedModulesConfigAndApplication() {
        assertThat(paths(program("php-fpm"))).contains("/usr/sbin/php-fpm8.2", "/lib64/ld-linux-x86-64.so.2",
                "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/php/20220829/opcache.so", "/etc/php/8.2/fpm/php-fpm.conf",
                "/etc/php/8.2/fpm/pool.d/www.conf", "/var/www/html/index.php");
        assertThat(paths(program("nginx"))).contains("/usr/sbin/nginx", "/etc/nginx/nginx.conf",
                "/lib/x86_64-linux-gnu/libc.so.6", "/var/www/html/index.php");
        // Links stay links, with their targets carried too.
        CarriedFile loaderLink = program("php-fpm").files().stream()
                .filter(f -> f.path().equals("/lib64/ld-linux-x86-64.so.2")).findFirst().orElseThrow();
        assertThat(loaderLink.linkTarget()).isNotNull();
        for (ProgramPlan p : report.plan().programs()) {
            assertThat(p.files()).allSatisfy(f -> {
                assertThat(f.layerDigest()).startsWith("sha256:");
                assertThat(f.reason()).isNotBlank();
            });
            // Nothing of the fat image's attack surface rides along.
            assertThat(paths(p)).doesNotContain("/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/apt", "/usr/bin/dpkg",
                    "/usr/bin/python3", "/usr/bin/supervisord", "/usr/bin/perl");
        }
    }

    @Test
    void basesFollowWhatTheProgramsLink() {
        assertThat(program("nginx").base().base()).isEqualTo(BaseImage.BASE);
        assertThat(program("php-fpm").base().base()).isIn(BaseImage.BASE, BaseImage.CC);
    }

    @Test
    void thePhpFpmSocketDirectoryIsSharedWithNginx() {
        WritablePlace fpmSide = program("php-fpm").writablePlaces().stream()
                .filter(w -> w.path().equals("/run/php")).findFirst().orElseThrow();
        assertThat(fpmSide.sharedWith()).containsExactly("nginx");
        WritablePlace nginxSide = program("nginx").writablePlaces().stream()
                .filter(w -> w.path().equals("/run/php")).findFirst().orElseThrow();
        assertThat(nginxSide.sharedWith()).containsExactly("php-fpm");
        assertThat(program("nginx").accounts()).extracting(a -> a.user() + ":" + a.uid()).contains("www-data:33");
    }

    @Test
    void everyElfFileIsReportedWithItsResolution() {
        assertThat(report.binaries()).hasSize((int) report.stats().elfFiles()).hasSizeGreaterThan(500);
        BinaryReport fpm = report.binaries().stream().filter(b -> b.path().equals("/usr/sbin/php-fpm8.2"))
                .findFirst().orElseThrow();
        assertThat(fpm.interpreter()).isEqualTo("/lib64/ld-linux-x86-64.so.2");
        assertThat(fpm.needed()).contains("libc.so.6");
        assertThat(fpm.resolved()).containsKeys(fpm.needed().toArray(String[]::new)).doesNotContainValue(null);
        assertThat(fpm.unresolved()).isEmpty();
    }

    @Test
    void thePackagesOfTheImageAreKnownWithTheFilesTheyInstalledAndTheirLicences() throws Exception {
        PackageInventory packages = report.packages();
        assertThat(packages.manager()).isEqualTo(PackageManager.DPKG);
        assertThat(packages.problems()).isEmpty();
        // fixtures/debian-php unpacks 127 packages and writes their status stanzas as dpkg would.
        assertThat(packages.packages()).hasSize(127);
        InstalledPackage fpm = packages.packages().stream().filter(p -> p.name().equals("php8.2-fpm")).findFirst().orElseThrow();
        assertThat(fpm.source()).isEqualTo("php8.2");
        assertThat(fpm.files()).extracting(PackageFile::path).contains("/usr/sbin/php-fpm8.2", "/etc/php/8.2/fpm/php-fpm.conf");
        assertThat(fpm.files()).filteredOn(f -> f.path().equals("/usr/sbin/php-fpm8.2")).singleElement()
                .satisfies(f -> assertThat(f.checksum()).matches("[0-9a-f]{32}"));
        assertThat(packages.owners().get("/lib/x86_64-linux-gnu/libc.so.6")).extracting(InstalledPackage::name)
                .containsExactly("libc6");
        // Every file a package lists that the image has, and no directory.
        for (InstalledPackage p : packages.packages()) {
            for (PackageFile f : p.files()) {
                assertThat(f.path()).as(p.name()).doesNotEndWith("/");
            }
        }
        // Debian's machine-readable copyright files declare their licences; zlib's says Zlib.
        assertThat(packages.packages()).filteredOn(p -> p.name().equals("zlib1g")).singleElement()
                .satisfies(p -> assertThat(p.licenses()).contains("Zlib"));
        long withLicence = packages.packages().stream().filter(p -> !p.licenses().isEmpty()).count();
        assertThat(withLicence).isGreaterThan(60);
        assertThat(new ObjectMapper().writeValueAsBytes(packages).length).as("the inventory's share of the report")
                .isLessThan(4 << 20);
    }
}
