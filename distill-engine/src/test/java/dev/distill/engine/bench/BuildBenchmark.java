package dev.distill.engine.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.assembly.BaseCatalog;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.assembly.TagScheme;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.DistrolessBases;
import dev.distill.engine.testing.FixtureImages;
import dev.distill.engine.testing.LocalRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The builder's benchmark (issue 4), for {@code bench/build.sh}; not a test and not run by CI. In one JVM: a real
 * registry with the real distroless bases (built from the Debian packages) and the Debian PHP fixture, analysed
 * once; then, per round, interleaved, the whole build of the plan and the baseline, {@code tar | gzip -6} of exactly
 * the files the plan carries, read from the fixture's unpacked root filesystem.
 *
 * <p>Every round builds for real: the fixture is pushed to a repository of its own first (untimed), so the program
 * layers are uploaded again (the registry skips a blob the target repository already has, and the layers are
 * byte-identical every round), and a new {@link ImageAssembler} pulls the bases again (no base cache). The build
 * reads the source's layers from the registry; the baseline reads files from the local disk.
 *
 * <p>Usage: {@code BuildBenchmark FIXTURE_ROOTFS [ROUNDS [WARMUPS]]}, run with {@code -Ddistill.repo.root=REPO}
 * (fixtures/build.sh and deploy/local/bases.sh are found there). Prints {@code key=value} lines: one per round,
 * one per program with the sizes, and the medians.
 */
public final class BuildBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BuildBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: BuildBenchmark FIXTURE_ROOTFS [ROUNDS [WARMUPS]]");
            System.exit(2);
        }
        Path rootfs = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int warmups = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        Path work = Files.createTempDirectory("build-bench");
        try (LocalRegistry registry = LocalRegistry.start()) {
            RegistryClient client = registry.client();
            long t = System.nanoTime();
            DistrolessBases.push(client, registry.host(), work.resolve("bases"));
            System.err.printf("[bench] real distroless bases built and pushed in %d ms%n", ms(System.nanoTime() - t));
            BaseCatalog bases = new BaseCatalog(registry.host() + "/distill/{flavour}:{variant}");

            FixtureImages.push("debian-php", registry.host() + "/fixtures/php:1");
            ResolvedImage source = client.resolve(registry.reference("fixtures/php:1"), Platform.LINUX_AMD64);
            t = System.nanoTime();
            AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(source.layers(),
                    BlobSource.registry(client, source.pinnedReference()), LayerLimits.defaults(), source.imageConfig(),
                    new AnalysisReport.Subject("fixtures/php:1", source.pushedDigest().toString(), "linux/amd64"), null);
            System.err.printf("[bench] analysed in %d ms: %d programs%n", ms(System.nanoTime() - t),
                    report.plan().programs().size());
            SurfaceResult surface = (SurfaceResult) report.detections().get("surface");

            // The baseline's file lists: per program (what the builder writes, shared libraries twice) and their union.
            List<Path> perProgram = new ArrayList<>();
            TreeSet<String> union = new TreeSet<>();
            for (ProgramPlan p : report.plan().programs()) {
                TreeSet<String> names = new TreeSet<>();
                for (CarriedFile f : p.files()) {
                    names.add(f.path().substring(1));
                }
                union.addAll(names);
                Path list = work.resolve("files-" + p.name() + ".txt");
                Files.write(list, names, StandardCharsets.UTF_8);
                perProgram.add(list);
                System.err.printf("[bench] %s carries %d entries%n", p.name(), names.size());
            }
            Path unionList = work.resolve("files-union.txt");
            Files.write(unionList, union, StandardCharsets.UTF_8);

            List<long[]> timed = new ArrayList<>();
            ImageAssembler.Assembly last = null;
            List<ImageAssembler.ProgramImage> lastImages = null;
            for (int round = 1 - warmups; round <= rounds; round++) {
                String repository = "bench/php-r" + (round + warmups);
                FixtureImages.push("debian-php", registry.host() + "/" + repository + ":1");
                ResolvedImage image = client.resolve(registry.reference(repository + ":1"), Platform.LINUX_AMD64);
                ImageAssembler.Source s = new ImageAssembler.Source(image, BlobSource.registry(client, image.pinnedReference()),
                        "1", report.plan(), surface);
                long buildMs = 0;
                long publishMs = 0;
                long baselineMs = 0;
                long unionMs = 0;
                long baselineBytes = 0;
                // Alternate the order, so that neither side always runs right after the other's page-cache warm-up.
                for (int half = 0; half < 2; half++) {
                    if ((half == 0) == (round % 2 != 0)) {
                        ImageAssembler assembler = new ImageAssembler(client, bases, TagScheme.defaults(), LayerLimits.defaults(),
                                "bench", work);
                        long a = System.nanoTime();
                        last = assembler.assemble(s);
                        long b = System.nanoTime();
                        lastImages = assembler.publish(last);
                        long c = System.nanoTime();
                        buildMs = ms(b - a);
                        publishMs = ms(c - b);
                    } else {
                        long a = System.nanoTime();
                        for (int i = 0; i < perProgram.size(); i++) {
                            baselineBytes += tarGzip(rootfs, perProgram.get(i), work.resolve("baseline-" + i + ".tar.gz"));
                        }
                        long b = System.nanoTime();
                        tarGzip(rootfs, unionList, work.resolve("baseline-union.tar.gz"));
                        long c = System.nanoTime();
                        baselineMs = ms(b - a);
                        unionMs = ms(c - b);
                    }
                }
                long total = buildMs + publishMs;
                String label = round < 1 ? "warmup=" + (round + warmups) : "round=" + round;
                System.out.printf("%s build_ms=%d publish_ms=%d total_ms=%d baseline_ms=%d union_ms=%d ratio=%.2f "
                        + "union_ratio=%.2f baseline_bytes=%d first=%s%n", label, buildMs, publishMs, total, baselineMs,
                        unionMs, total / (double) baselineMs, total / (double) unionMs, baselineBytes,
                        round % 2 != 0 ? "build" : "baseline");
                if (round >= 1) {
                    timed.add(new long[] {buildMs, publishMs, total, baselineMs, unionMs});
                }
            }

            for (ImageAssembler.ProgramImage image : lastImages) {
                printSizes(client, image, last);
            }
            HandSplit.print(client, lastImages, report.plan(), rootfs, work.resolve("hand"));
            System.out.printf("source compressed=%d uncompressed=%d union_tar_gz=%d%n", last.sourceCompressedSize(),
                    last.sourceUncompressedSize(), Files.size(work.resolve("baseline-union.tar.gz")));
            long total = BenchMedians.median(timed, 2);
            long baseline = BenchMedians.median(timed, 3);
            long unionMedian = BenchMedians.median(timed, 4);
            System.out.printf("median: build_ms=%d publish_ms=%d total_ms=%d baseline_ms=%d union_ms=%d "
                    + "ratio_of_medians=%.2f union_ratio_of_medians=%.2f median_ratio=%.2f rounds=%d warmups=%d%n",
                    BenchMedians.median(timed, 0), BenchMedians.median(timed, 1), total, baseline, unionMedian, total / (double) baseline,
                    total / (double) unionMedian, BenchMedians.medianRatio(timed, 2, 3), rounds, warmups);
        } finally {
            deleteTree(work);
        }
    }

    /** The image's sizes: whole (base included) and its own layer, compressed and as tar. */
    private static void printSizes(RegistryClient client, ImageAssembler.ProgramImage image, ImageAssembler.Assembly a)
            throws Exception {
        JsonNode layers = JSON.readTree(image.pushed().manifest()).path("layers");
        JsonNode own = layers.get(layers.size() - 1);
        Descriptor descriptor = new Descriptor(own.path("mediaType").asText(), Digest.parse(own.path("digest").asText()),
                own.path("size").asLong());
        long layerTar = 0;
        try (InputStream in = new GZIPInputStream(client.openBlob(image.pinnedReference(), descriptor), 1 << 16)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                layerTar += n;
            }
        }
        ImageAssembler.LayerSizes l = image.layers();
        System.out.printf("program=%s base_compressed=%d shared_compressed=%d own_compressed=%d base_uncompressed=%d "
                + "shared_uncompressed=%d own_uncompressed=%d shared_with=%s%n", image.program(), l.baseCompressed(),
                l.sharedCompressed(), l.ownCompressed(), l.baseUncompressed(), l.sharedUncompressed(), l.ownUncompressed(),
                l.sharedPrograms());
        System.out.printf("program=%s base=%s files=%d image_compressed=%d image_uncompressed=%d layer_compressed=%d "
                + "layer_uncompressed=%d below_compressed=%d below_uncompressed=%d source_compressed=%d "
                + "source_uncompressed=%d share_compressed=%.3f share_uncompressed=%.3f%n", image.program(), image.base(),
                image.files(), image.compressedSize(), image.uncompressedSize(), descriptor.size(), layerTar,
                image.compressedSize() - descriptor.size(), image.uncompressedSize() - layerTar, a.sourceCompressedSize(),
                a.sourceUncompressedSize(), image.compressedSize() / (double) a.sourceCompressedSize(),
                image.uncompressedSize() / (double) a.sourceUncompressedSize());
    }

    /**
     * GNU tar of the listed names (no recursion: a directory is the entry alone, as in the plan) piped to gzip -6
     * into {@code out}; returns the compressed size. Fails on any tar complaint, so a missing file cannot make the
     * baseline cheaper unnoticed.
     */
    static long tarGzip(Path root, Path names, Path out) throws IOException, InterruptedException {
        Path errors = Files.createTempFile(out.getParent(), "tar", ".err");
        List<Process> pipeline = ProcessBuilder.startPipeline(List.of(
                new ProcessBuilder("tar", "--no-recursion", "--numeric-owner", "-C", root.toString(), "-cf", "-",
                        "-T", names.toString()).redirectError(errors.toFile()),
                new ProcessBuilder("gzip", "-6").redirectOutput(out.toFile()).redirectError(errors.toFile())));
        for (Process p : pipeline) {
            if (p.waitFor() != 0) {
                throw new IOException(p.info().command().orElse("?") + " exited " + p.exitValue() + ": "
                        + Files.readString(errors, StandardCharsets.UTF_8));
            }
        }
        Files.delete(errors);
        return Files.size(out);
    }

    static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
