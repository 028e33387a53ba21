package dev.distill.engine.analysis;

import dev.distill.engine.testing.FixtureImages;
import java.io.IOException;
import java.nio.file.Path;

/** Builds (or finds in the cache) a fixture image with the project's own fixtures/build.sh. */
final class Fixtures {

    record Built(Path rootfs, Path layout, String tag) {
    }

    private Fixtures() {
    }

    /** Writes a tar as a gzip'd layer blob named by its digest under {@code dir/sha256/}, as a blob directory has it. */
    static dev.distill.engine.image.Descriptor gzipLayer(Path dir, byte[] tar) throws IOException {
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(tar);
        }
        byte[] blob = gz.toByteArray();
        dev.distill.engine.image.Digest digest = dev.distill.engine.image.Digest.sha256(blob);
        java.nio.file.Files.createDirectories(dir.resolve(digest.algorithm()));
        java.nio.file.Files.write(dir.resolve(digest.algorithm()).resolve(digest.hex()), blob);
        return new dev.distill.engine.image.Descriptor(dev.distill.engine.image.MediaTypes.OCI_LAYER_TAR_GZIP, digest, blob.length);
    }

    static Path repoRoot() {
        return FixtureImages.repoRoot();
    }

    static Built build(String name) throws IOException, InterruptedException {
        FixtureImages.Built built = FixtureImages.build(name);
        return new Built(built.rootfs(), built.layout(), built.tag());
    }

    /** The fixture built and analysed from its layers, as the analyzer does it; named {@code fixtures/<name>}. */
    static AnalysisReport analyse(String name) throws IOException, InterruptedException {
        Built built = build(name);
        dev.distill.engine.layout.OciLayout.LayoutImage image = dev.distill.engine.layout.OciLayout.open(built.layout())
                .image(built.tag());
        dev.distill.engine.layer.LayeredFileSystem fs = dev.distill.engine.layer.LayeredFileSystem.build(image.layers(),
                image.blobs());
        return new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(fs, image.config(),
                new AnalysisReport.Subject("fixtures/" + name, image.manifestDigest().toString(), "linux/amd64"));
    }
}
