package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.testing.TarWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Analysing while reading the layers once gives the very report of building the view first and reading it again. */
class OnePassAnalysisTest {

    private static final ImageAnalyzer ANALYZER = new ImageAnalyzer(ImageAnalyzer.Options.defaults());
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"debian-php", "musl-plugin"})
    void theFixturesGetTheSameReportEitherWay(String fixture) throws Exception {
        Fixtures.Built built = Fixtures.build(fixture);
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        AnalysisReport.Subject subject = new AnalysisReport.Subject(fixture, image.manifestDigest().toString(), "linux/amd64");
        AnalysisReport twoPasses = ANALYZER.analyze(LayeredFileSystem.build(image.layers(), image.blobs()), image.config(), subject);
        AnalysisReport onePass = ANALYZER.analyze(image.layers(), image.blobs(), LayerLimits.defaults(), image.config(), subject, null);
        assertThat(comparable(onePass)).isEqualTo(comparable(twoPasses));
        assertThat(onePass.stats().elfFiles()).isPositive();
    }

    @Test
    void filesReplacedOrDeletedAboveLeaveNothingBehind() throws Exception {
        byte[] ls = Files.readAllBytes(Path.of("/usr/bin/ls"));
        TarWriter lower = new TarWriter();
        lower.file("/usr/bin/app", ls, 0755); // an ELF file, replaced by a script above
        lower.file("/usr/bin/gone", ls, 0755); // an ELF file, deleted above
        lower.file("/etc/app.conf", "old=1\n".getBytes(StandardCharsets.UTF_8), 0644);
        lower.file("/var/lib/dpkg/status", "Package: old\nVersion: 1\nStatus: install ok installed\n".getBytes(StandardCharsets.UTF_8), 0644);
        lower.file("/var/lib/dpkg/info/old.list", "/.\n/etc/app.conf\n".getBytes(StandardCharsets.UTF_8), 0644);
        lower.file("/usr/bin/tool", ls, 0755);
        lower.hardlink("/usr/bin/tool-link", "/usr/bin/tool"); // keeps the ELF file when tool is replaced
        TarWriter upper = new TarWriter();
        upper.file("/usr/bin/app", "#!/bin/sh\nexec /usr/bin/tool-link\n".getBytes(StandardCharsets.UTF_8), 0755);
        upper.file("/usr/bin/.wh.gone", new byte[0], 0644);
        upper.file("/etc/app.conf", "new=2\n".getBytes(StandardCharsets.UTF_8), 0644);
        upper.file("/var/lib/dpkg/status", "Package: new\nVersion: 2\nStatus: install ok installed\n".getBytes(StandardCharsets.UTF_8), 0644);
        upper.file("/var/lib/dpkg/info/.wh.old.list", new byte[0], 0644);
        upper.file("/usr/bin/tool", "not an ELF file\n".getBytes(StandardCharsets.UTF_8), 0755);
        List<Descriptor> layers = List.of(layer(lower.finish()), layer(upper.finish()));
        BlobSource blobs = BlobSource.directory(dir);
        ImageConfig config = new ImageConfig(List.of("/usr/bin/tool-link"), List.of(), "", List.of("PATH=/usr/bin:/bin"),
                List.of(), "/", "", null, null);
        AnalysisReport.Subject subject = new AnalysisReport.Subject("test", "sha256:" + "a".repeat(64), "linux/amd64");

        LayeredFileSystem[] view = new LayeredFileSystem[1];
        AnalysisReport onePass = ANALYZER.analyze(layers, blobs, LayerLimits.defaults(), config, subject, fs -> view[0] = fs);
        AnalysisReport twoPasses = ANALYZER.analyze(LayeredFileSystem.build(layers, blobs), config, subject);

        assertThat(comparable(onePass)).isEqualTo(comparable(twoPasses));
        assertThat(onePass.binaries()).extracting(BinaryReport::path).containsExactly("/usr/bin/tool-link");
        assertThat(view[0].entry("/usr/bin/gone")).isEmpty();
        assertThat(onePass.stats().elfFiles()).isEqualTo(1);
        assertThat(onePass.packages().packages()).as("the upper layer's database, without the deleted list")
                .singleElement().satisfies(p -> {
                    assertThat(p.name()).isEqualTo("new");
                    assertThat(p.files()).isEmpty();
                });
    }

    private Descriptor layer(byte[] tar) throws IOException {
        return Fixtures.gzipLayer(dir, tar);
    }

    /** The report without its statistics (time taken; what the cache kept can differ). */
    private static ObjectNode comparable(AnalysisReport report) {
        ObjectNode node = JSON.valueToTree(report);
        node.remove("stats");
        return node;
    }
}
