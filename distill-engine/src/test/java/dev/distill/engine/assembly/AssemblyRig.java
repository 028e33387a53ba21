package dev.distill.engine.assembly;

import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.FixtureImages;
import dev.distill.engine.testing.LocalRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One real registry for the assembly tests, with the stand-in bases and the musl and PHP fixtures pushed once, and
 * each fixture analysed once: building and pushing them is the slow part, and every assembly test needs the same.
 * The registry stops when the test JVM exits.
 */
final class AssemblyRig {

    private static AssemblyRig rig;

    final LocalRegistry registry;
    final RegistryClient client;
    final BaseCatalog bases;
    final Path work;
    private final Map<String, Analysed> analysed = new HashMap<>();

    /** A source pushed to the rig's registry, with its analysis. */
    record Analysed(ResolvedImage image, AnalysisReport report, LayeredFileSystem view) {

        MigrationPlan plan() {
            return report.plan();
        }

        SurfaceResult surface() {
            return (SurfaceResult) report.detections().get("surface");
        }
    }

    private AssemblyRig() throws Exception {
        registry = LocalRegistry.start();
        client = registry.client();
        work = Files.createTempDirectory("assembly-it");
        bases = TestBases.push(client, registry.host(), work);
        FixtureImages.push("musl-plugin", registry.host() + "/fixtures/musl:1");
        FixtureImages.push("debian-php", registry.host() + "/fixtures/php:1");
        FixtureImages.push("static-hello", registry.host() + "/fixtures/hello:1");
    }

    static synchronized AssemblyRig get() throws Exception {
        if (rig == null) {
            rig = new AssemblyRig();
        }
        return rig;
    }

    ImageAssembler assembler() {
        return new ImageAssembler(client, bases, TagScheme.defaults(), LayerLimits.defaults(), "test", work);
    }

    /** The fixture at {@code reference} (e.g. {@code fixtures/php:1}), analysed once. */
    synchronized Analysed analyse(String reference) throws Exception {
        Analysed known = analysed.get(reference);
        if (known == null) {
            ResolvedImage image = client.resolve(registry.reference(reference), Platform.LINUX_AMD64);
            BlobSource blobs = BlobSource.registry(client, image.pinnedReference());
            AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(image.layers(), blobs,
                    LayerLimits.defaults(), image.imageConfig(), new AnalysisReport.Subject(reference,
                            image.pushedDigest().toString(), "linux/amd64"), null);
            known = new Analysed(image, report, LayeredFileSystem.build(image, client, LayerLimits.defaults()));
            analysed.put(reference, known);
        }
        return known;
    }

    /** What the builder would assemble for a source: its plan (or another), tagged like {@code tag}. */
    ImageAssembler.Source source(Analysed a, MigrationPlan plan, String tag) {
        return new ImageAssembler.Source(a.image(), BlobSource.registry(client, a.image().pinnedReference()), tag, plan,
                a.surface()).withPackages(a.report().packages());
    }
}
