package dev.distill.engine.bench;

import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.assembly.BaseCatalog;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.assembly.TagScheme;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.runtime.LayerTreeStore;
import dev.distill.engine.testing.DistrolessBases;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.verification.MigrationVerifier;
import dev.distill.engine.verification.Verification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The release benchmark (issue 15, layer-level reuse): an image analysed and built (tag 1), then its next release
 * (tag 2, the same image with its top layer rebuilt) analysed and built with the caches tag 1 left, against the same
 * release analysed and built without caches, in one JVM, round by round. Also the bytes the release's push
 * uploaded. Each round starts with empty caches and a repository of its own. Run by bench/release.sh.
 *
 * <p>With {@code -Ddistill.bench.verify=true} (bench/release.sh --verify, as root: runc) each tag is also verified
 * as the pipeline does it (a REPAIR verdict built again with the files asked for and verified again, until a final
 * verdict): tag 1 by a new verifier with an empty layer-tree store ({@link LayerTreeStore}), tag 2 by the same
 * verifier and store, so tag 2 finds the trees of the layers it shares with tag 1 (the source's lower layers, the
 * bases, unchanged program layers). Its source digest is new, so its source is run again: the verifier keeps a
 * source's answers by digest. {@code -Ddistill.bench.layerTrees=false} verifies with full unpacks instead.
 */
public final class ReleaseBenchmark {

    /** Held, so that the level set on it stays (the logging framework keeps loggers weakly). */
    private static java.util.logging.Logger timelineLog;

    private static final Pattern UPLOAD = Pattern.compile("PUT /v2/[^ \"]*/blobs/uploads/[^ \"]*digest=sha256(?::|%3A)([0-9a-f]{64})");

    private ReleaseBenchmark() {
    }

    /**
     * One tag's run; {@code verifyMs} 0 and {@code verdict} null when it was not verified.
     *
     * @param rootfs the verification's account of how it made every container's rootfs
     */
    private record Times(long analysisMs, long buildMs, long verifyMs, long unpackMs, String verdict, int repairRounds,
            String rootfs) {

        Times(long analysisMs, long buildMs) {
            this(analysisMs, buildMs, 0, 0, null, 0, "");
        }

        long total() {
            return analysisMs + buildMs + verifyMs;
        }

        /** Analysis and build only. */
        long builtMs() {
            return analysisMs + buildMs;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 4) {
            System.err.println("usage: ReleaseBenchmark TAG1_LAYOUT TAG2_LAYOUT [ROUNDS [WARMUPS]]  (layouts as DIR:TAG)");
            System.exit(2);
        }
        String one = args[0];
        String two = args[1];
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int warmups = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        boolean verify = Boolean.getBoolean("distill.bench.verify");
        boolean trees = !System.getProperty("distill.bench.layerTrees", "true").equals("false");
        // The verifier's stays-up window, as the service's setting gives it (bench/release.sh --stays-up).
        java.time.Duration staysUp = staysUp(System.getProperty("distill.verify.stays-up", "3s"));
        if (verify) {
            logTimelines();
        }
        Path work = Files.createTempDirectory("release-bench");
        Files.setAttribute(work, "unix:mode", 0711);  // containers' root (a user namespace's host id) passes through
        try (LocalRegistry registry = LocalRegistry.start()) {
            RegistryClient client = registry.client();
            DistrolessBases.push(client, registry.host(), work.resolve("bases"));
            BaseCatalog bases = new BaseCatalog(registry.host() + "/distill/{flavour}:{variant}");
            List<long[]> rows = new ArrayList<>();
            List<long[]> verified = new ArrayList<>();
            for (int round = 1 - warmups; round <= rounds; round++) {
                String repository = "bench/app-r" + (round + warmups);
                skopeo(one, registry.host() + "/" + repository + ":1");
                skopeo(two, registry.host() + "/" + repository + ":2");
                String plain = "bench/plain-r" + (round + warmups);
                skopeo(two, registry.host() + "/" + plain + ":2");
                Path dir = Files.createDirectories(work.resolve("round-" + (round + warmups)));
                DiskCache analysisCache = new DiskCache(dir.resolve("analysis-cache"), 4L << 30);
                DiskCache buildCache = new DiskCache(dir.resolve("build-cache"), 4L << 30);
                ImageAnalyzer cachedAnalyzer = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).withCache(analysisCache);
                ImageAssembler cachedAssembler = new ImageAssembler(client, bases, TagScheme.defaults(), LayerLimits.defaults(),
                        "bench", dir, null, buildCache);

                // Tag 2 is verified by the verifier (and its layer trees) tag 1 left, as one service verifies both.
                MigrationVerifier verifier = !verify ? null : new MigrationVerifier(client, MigrationVerifier.Options
                        .defaults(dir.resolve("verify"))
                        .withProbes(staysUp, MigrationVerifier.Options.defaults(dir).probeDeadline())
                        .withLayerTrees(trees ? LayerTreeStore.open(dir.resolve("layer-trees"), 8L << 30) : null));

                String label = round < 1 ? "warm-up" : "round " + round;
                Times first = run(client, registry.reference(repository + ":1"), cachedAnalyzer, cachedAssembler, verifier);
                long logAt = registry.log().length();
                Times release = run(client, registry.reference(repository + ":2"), cachedAnalyzer, cachedAssembler, verifier);
                long[] uploaded = uploaded(registry, registry.log().substring((int) logAt));
                Times uncached = run(client, registry.reference(plain + ":2"),
                        new ImageAnalyzer(ImageAnalyzer.Options.defaults()),
                        new ImageAssembler(client, bases, TagScheme.defaults(), LayerLimits.defaults(), "bench", dir), null);
                long[] uploadedPlain = uploaded(registry, registry.log().substring((int) logAt));
                if (verify) {
                    System.out.printf("%s: verified: tag 1 (empty caches, empty layer trees, new verifier) analysis %d ms"
                            + " + build %d ms + verification %d ms = %d ms, %s after %d repair rounds | tag 2 (tag 1's caches,"
                            + " trees and verifier) analysis %d ms + build %d ms + verification %d ms = %d ms, %s after %d"
                            + " repair rounds | ratio %.2fx (analysis %.2fx, build %.2fx, verification %.2fx) | rootfs"
                            + " unpack tag 1 %d ms, tag 2 %d ms%n",
                            label, first.analysisMs(), first.buildMs(), first.verifyMs(), first.total(), first.verdict(),
                            first.repairRounds(), release.analysisMs(), release.buildMs(), release.verifyMs(),
                            release.total(), release.verdict(), release.repairRounds(),
                            (double) release.total() / first.total(), ratio(release.analysisMs(), first.analysisMs()),
                            ratio(release.buildMs(), first.buildMs()), ratio(release.verifyMs(), first.verifyMs()),
                            first.unpackMs(), release.unpackMs());
                    System.err.printf("[bench] %s: tag 1 rootfs: %s%n[bench] %s: tag 2 rootfs: %s%n", label, first.rootfs(),
                            label, release.rootfs());
                    if (round >= 1) {
                        verified.add(new long[] {first.analysisMs(), first.buildMs(), first.verifyMs(), first.total(),
                                release.analysisMs(), release.buildMs(), release.verifyMs(), release.total(),
                                first.unpackMs(), release.unpackMs()});
                    }
                }
                System.out.printf("%s: tag 1 (empty caches) analysis %d ms + build %d ms = %d ms | tag 2 with caches"
                        + " analysis %d ms + build %d ms = %d ms (%.2fx of tag 1), uploaded %d blobs, %d bytes | tag 2"
                        + " without caches %d ms + %d ms = %d ms, uploaded %d blobs, %d bytes | cache %d + %d bytes on disk%n",
                        label, first.analysisMs(), first.buildMs(), first.builtMs(), release.analysisMs(), release.buildMs(),
                        release.builtMs(), (double) release.builtMs() / first.builtMs(), uploaded[0], uploaded[1],
                        uncached.analysisMs(), uncached.buildMs(), uncached.builtMs(), uploadedPlain[0] - uploaded[0],
                        uploadedPlain[1] - uploaded[1], analysisCache.size(), buildCache.size());
                if (round >= 1) {
                    rows.add(new long[] {first.analysisMs(), first.buildMs(), first.builtMs(), release.analysisMs(),
                            release.buildMs(), release.builtMs(), uncached.builtMs(), uploaded[1], uploadedPlain[1] - uploaded[1]});
                }
                BuildBenchmark.deleteTree(dir);
            }
            if (verify && !verified.isEmpty()) {
                System.out.printf("median of %d, verified: tag 1 %d ms (analysis %d, build %d, verification %d, rootfs"
                        + " unpack %d); tag 2 %d ms (analysis %d, build %d, verification %d, rootfs unpack %d); ratio %.2fx"
                        + " (median of the rounds' ratios)%n", verified.size(), BenchMedians.median(verified, 3), BenchMedians.median(verified, 0),
                        BenchMedians.median(verified, 1), BenchMedians.median(verified, 2), BenchMedians.median(verified, 8), BenchMedians.median(verified, 7),
                        BenchMedians.median(verified, 4), BenchMedians.median(verified, 5), BenchMedians.median(verified, 6), BenchMedians.median(verified, 9),
                        BenchMedians.medianRatio(verified, 7, 3));
            }
            System.out.printf("median of %d: tag 1 %d ms (analysis %d, build %d); tag 2 with caches %d ms (analysis %d,"
                    + " build %d), %.2fx of tag 1; tag 2 without caches %d ms; tag 2 uploaded %d bytes with caches, %d"
                    + " without%n", rows.size(), BenchMedians.median(rows, 2), BenchMedians.median(rows, 0), BenchMedians.median(rows, 1), BenchMedians.median(rows, 5),
                    BenchMedians.median(rows, 3), BenchMedians.median(rows, 4), BenchMedians.medianRatio(rows, 5, 2), BenchMedians.median(rows, 6), BenchMedians.median(rows, 7), BenchMedians.median(rows, 8));
        } finally {
            BuildBenchmark.deleteTree(work);
        }
    }

    /**
     * Analyses and builds (assembles, pushes and tags) one image, and verifies it when given a verifier; the times of
     * each.
     */
    private static Times run(RegistryClient client, dev.distill.engine.image.ImageReference reference, ImageAnalyzer analyzer,
            ImageAssembler assembler, MigrationVerifier verifier) throws Exception {
        long a = System.nanoTime();
        ResolvedImage image = client.resolve(reference, Platform.LINUX_AMD64);
        BlobSource blobs = BlobSource.registry(client, image.pinnedReference());
        AnalysisReport report = analyzer.analyze(image.layers(), blobs, LayerLimits.defaults(), image.imageConfig(),
                new AnalysisReport.Subject(reference.toString(), image.pushedDigest().toString(), "linux/amd64"), null);
        long b = System.nanoTime();
        if (verifier != null) {
            return verified(client, image, report, assembler, verifier, BuildBenchmark.ms(b - a));
        }
        ImageAssembler.Assembly built = assembler.assemble(new ImageAssembler.Source(image, blobs, reference.tag(),
                report.plan(), (SurfaceResult) report.detections().get("surface")).withPackages(report.packages()));
        assembler.publish(built);
        long c = System.nanoTime();
        return new Times(BuildBenchmark.ms(b - a), BuildBenchmark.ms(c - b));
    }

    /** As the pipeline: build, verify; on REPAIR build again with the files asked for and verify again. */
    private static Times verified(RegistryClient client, ResolvedImage image, AnalysisReport report, ImageAssembler assembler,
            MigrationVerifier verifier, long analysisMs) throws Exception {
        List<ImageAssembler.Repair> repairs = new ArrayList<>();
        long buildNanos = 0;
        long verifyNanos = 0;
        long unpackMs = 0;
        StringBuilder rootfs = new StringBuilder();
        for (int round = 0; ; round++) {
            long a = System.nanoTime();
            var build = VerifyBenchmark.build(assembler, client, image, report, repairs, true);
            long b = System.nanoTime();
            Verification v = verifier.verify(new MigrationVerifier.Request(build, report.plan(), Platform.LINUX_AMD64,
                    Map.of(), round));
            buildNanos += b - a;
            verifyNanos += System.nanoTime() - b;
            // The verdict is the verification's end; its sandboxes are closed after it, not in the next step's time.
            verifier.awaitCleanups(java.time.Duration.ofMinutes(1));
            unpackMs += v.timings().unpackMillis();
            Verification.Timings t = v.timings();
            Verification.Timings source = v.sourceRun().timings();
            // Where the verification's time went (the source side runs beside the results' pull and checks).
            rootfs.append(round == 0 ? "" : " | repair round " + round + ": ").append(t.rootfs())
                    .append(String.format(" [results: pull %d ms, rootfs %d ms, start %d ms, probes %d ms; source: start %d ms,"
                            + " probes %d ms%s]", t.pullMillis(), t.unpackMillis(), t.startMillis(), t.probeMillis(),
                            source.startMillis(), source.probeMillis(), source.rootfs().isEmpty() ? "" : ", rootfs "
                            + source.unpackMillis() + " ms"));
            if (v.verdict() != Verification.Verdict.REPAIR) {
                if (v.verdict() != Verification.Verdict.SUCCEEDED) {
                    System.err.printf("[bench] %s: %s %s%n", image.reference(), v.verdict(), v.reasons());
                }
                return new Times(analysisMs, BuildBenchmark.ms(buildNanos), BuildBenchmark.ms(verifyNanos), unpackMs,
                        v.verdict().name(), round, rootfs.toString());
            }
            repairs.addAll(VerifyBenchmark.repairsAsked(v, round + 1));
        }
    }

    /** A duration as the service's configuration writes it: {@code 3s}, {@code 500ms}, or ISO-8601 ({@code PT1S}). */
    static java.time.Duration staysUp(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        if (t.matches("\\d+ms")) {
            return java.time.Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        return java.time.Duration.parse(t.startsWith("pt") ? t : "PT" + t);
    }

    /** Each verification's timeline (its DEBUG line) on stderr, one line per verification. */
    private static void logTimelines() {
        timelineLog = java.util.logging.Logger.getLogger("dev.distill.engine.verification.VerifyTimeline");
        java.util.logging.ConsoleHandler handler = new java.util.logging.ConsoleHandler();
        handler.setLevel(java.util.logging.Level.ALL);
        handler.setFormatter(new java.util.logging.Formatter() {
            @Override
            public String format(java.util.logging.LogRecord r) {
                return "[bench] " + r.getMessage() + System.lineSeparator();
            }
        });
        timelineLog.setLevel(java.util.logging.Level.FINE);
        timelineLog.addHandler(handler);
        timelineLog.setUseParentHandlers(false);
    }

    private static double ratio(long part, long whole) {
        return whole == 0 ? 0 : (double) part / whole;
    }

    /** Blobs uploaded according to the registry's log, and their bytes (from its storage). */
    private static long[] uploaded(LocalRegistry registry, String log) throws IOException {
        Set<String> digests = new TreeSet<>();
        Matcher m = UPLOAD.matcher(log);
        while (m.find()) {
            digests.add(m.group(1));
        }
        long bytes = 0;
        for (String hex : digests) {
            Path data = registry.storage().resolve("docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
            bytes += Files.size(data);
        }
        return new long[] {digests.size(), bytes};
    }

    private static void skopeo(String layout, String reference) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false", "oci:" + layout,
                "docker://" + reference).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("skopeo could not copy " + layout + " to " + reference);
        }
    }
}
