package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Xattrs;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.Classification;
import dev.distill.engine.plan.ProgramPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fixtures made the way users make images (fixtures/debian-apt-php, fixtures/php-official), analysed from
 * their layers: the ACL records systemd's tmpfiles leave are read, not fatal, and the official php layout under
 * /usr/local is planned with its ini, scan directory and extensions.
 */
class UsersImagesAnalysisTest {

    private record Analysed(LayeredFileSystem fs, ImageConfig config, AnalysisReport report) {
    }

    private static Analysed analyse(String name) throws Exception {
        Fixtures.Built built = Fixtures.build(name);
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        LayeredFileSystem fs = LayeredFileSystem.build(image.layers(), image.blobs());
        AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(fs, image.config(),
                new AnalysisReport.Subject("fixtures/" + name, image.manifestDigest().toString(), "linux/amd64"));
        Path out = Path.of("target/" + name + "-analysis.json");
        Files.createDirectories(out.getParent());
        new ObjectMapper().findAndRegisterModules().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
        return new Analysed(fs, image.config(), report);
    }

    private static ProgramPlan program(AnalysisReport report, String name) {
        return report.plan().programs().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> paths(ProgramPlan p) {
        return p.files().stream().map(CarriedFile::path).toList();
    }

    @Test
    void aptInstalledPhpNginxAndSupervisorWithSystemdsAclsIsReadAndPlanned() throws Exception {
        Analysed a = analyse("debian-apt-php");

        // One layer per Dockerfile step, as users' builders make them: base, apt-get install, the application.
        assertThat(a.fs().layers()).hasSize(3);
        FileEntry journal = a.fs().entry("/var/log/journal").orElseThrow();
        assertThat(journal.layerIndex()).isEqualTo(1);
        assertThat(journal.xattrs().names()).contains(Xattrs.ACL_ACCESS, Xattrs.ACL_DEFAULT);
        assertThat(journal.xattrs().describe(Xattrs.ACL_DEFAULT)).contains("group:4:r-x");
        assertThat(a.fs().entry("/usr/lib/systemd/systemd").or(() -> a.fs().entry("/lib/systemd/systemd"))).isPresent();
        assertThat(a.report().plan().programs()).extracting(ProgramPlan::name).containsExactly("php-fpm", "nginx");
        assertThat(a.report().classification()).as("%s", a.report().plan().warnings()).isEqualTo(Classification.MIGRATABLE);
        assertThat(program(a.report(), "php-fpm").command()).containsExactly("/usr/sbin/php-fpm8.2", "-F");
        assertThat(paths(program(a.report(), "php-fpm"))).contains("/usr/lib/php/20220829/opcache.so", "/etc/php/8.2/fpm/php.ini");
    }

    @Test
    void theOfficialPhpLayoutIsPlannedFromUsrLocal() throws Exception {
        Analysed a = analyse("php-official");
        assertThat(a.fs().layers()).hasSize(3);
        assertThat(a.fs().entry("/usr/local/sbin/php-fpm").orElseThrow().layerIndex()).isEqualTo(1);

        assertThat(a.report().plan().programs()).extracting(ProgramPlan::name).containsExactly("php-fpm", "nginx");
        assertThat(a.report().classification()).as("%s", a.report().plan().warnings()).isEqualTo(Classification.MIGRATABLE);
        ProgramPlan fpm = program(a.report(), "php-fpm");
        assertThat(fpm.command()).containsExactly("/usr/local/sbin/php-fpm", "-F", "-y", "/usr/local/etc/php-fpm.conf");
        assertThat(fpm.env()).contains("PHP_INI_DIR=/usr/local/etc/php", "PHPRC=/usr/local/etc/php",
                "PHP_INI_SCAN_DIR=/usr/local/etc/php/conf.d");
        String ext = a.fs().list("/usr/local/lib/php/extensions").get(0).path();
        assertThat(paths(fpm)).contains("/usr/local/etc/php/php.ini", "/usr/local/etc/php-fpm.conf",
                "/usr/local/etc/php-fpm.d/www.conf", "/usr/local/etc/php-fpm.d/zz-docker.conf",
                "/usr/local/etc/php/conf.d/docker-php-ext-opcache.ini", ext + "/opcache.so", ext + "/sockets.so");
        assertThat(fpm.exposedPorts()).contains("9000/tcp");
    }
}
