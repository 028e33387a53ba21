package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.packages.InstalledPackage;
import dev.distill.engine.packages.PackageManager;
import dev.distill.engine.plan.BaseImage;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.Classification;
import dev.distill.engine.plan.ProgramPlan;
import org.junit.jupiter.api.Test;

/** An Alpine-layout musl program with its own library and a plugin it dlopens by a path in its config. */
class MuslPluginAnalysisTest {

    @Test
    void aMuslProgramRidesOnTheStaticBaseWithItsLoaderLibraryAndPlugin() throws Exception {
        Fixtures.Built built = Fixtures.build("musl-plugin");
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(
                LayeredFileSystem.build(image.layers(), image.blobs()), image.config(),
                new AnalysisReport.Subject("fixtures/musl-plugin", image.manifestDigest().toString(), "linux/amd64"));

        assertThat(report.classification()).as("%s %s", report.plan().warnings(), report.plan().blockers())
                .isEqualTo(Classification.MIGRATABLE);
        ProgramPlan greeter = report.plan().programs().get(0);
        assertThat(greeter.command()).containsExactly("/usr/local/bin/greeter");
        assertThat(greeter.base().base()).isEqualTo(BaseImage.STATIC);
        assertThat(greeter.files()).extracting(CarriedFile::path).contains("/usr/local/bin/greeter",
                "/lib/ld-musl-x86_64.so.1", "/usr/local/lib/libgreet.so.1", "/usr/local/lib/greeter/plugins/shout.so");
        assertThat(greeter.files()).filteredOn(f -> f.path().endsWith("shout.so")).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("/etc/greeter.conf:"));
        // the file that names the plugin goes with it: the greeter reads it to find the plugin
        assertThat(greeter.files()).filteredOn(f -> f.path().equals("/etc/greeter.conf")).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("/usr/local/lib/greeter/plugins/shout.so"));
        assertThat(greeter.files()).extracting(CarriedFile::path).doesNotContain("/bin/sh", "/bin/busybox");
        // The base layer's apk database: musl owns the loader; the application's files are no package's.
        assertThat(report.packages().manager()).isEqualTo(PackageManager.APK);
        assertThat(report.packages().packages()).extracting(InstalledPackage::name)
                .containsExactly("musl", "busybox", "busybox-binsh", "alpine-baselayout-data");
        assertThat(report.packages().owners().get("/lib/ld-musl-x86_64.so.1")).extracting(InstalledPackage::name)
                .containsExactly("musl");
        assertThat(report.packages().owners()).doesNotContainKey("/usr/local/bin/greeter");
        assertThat(report.packages().packages().get(0).licenses()).containsExactly("MIT");
        assertThat(report.binaries()).anySatisfy(b -> {
            assertThat(b.path()).isEqualTo("/usr/local/bin/greeter");
            assertThat(b.interpreter()).isEqualTo("/lib/ld-musl-x86_64.so.1");
            assertThat(b.resolved()).doesNotContainValue(null);
        });
    }

    @Test
    void aStaticProgramNeedsNothingButItself() throws Exception {
        Fixtures.Built built = Fixtures.build("static-hello");
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(
                LayeredFileSystem.build(image.layers(), image.blobs()), image.config(),
                new AnalysisReport.Subject("fixtures/static-hello", image.manifestDigest().toString(), "linux/amd64"));
        assertThat(report.classification()).as("%s %s", report.plan().warnings(), report.plan().blockers())
                .isEqualTo(Classification.MIGRATABLE);
        ProgramPlan hello = report.plan().programs().get(0);
        assertThat(hello.base().base()).isEqualTo(BaseImage.STATIC);
        assertThat(hello.files()).extracting(CarriedFile::path).containsExactly(hello.command().get(0));
    }
}
