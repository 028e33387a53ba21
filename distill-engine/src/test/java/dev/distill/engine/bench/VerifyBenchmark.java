package dev.distill.engine.bench;

import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.assembly.BaseCatalog;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.assembly.TagScheme;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.ElfFormatException;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.DistrolessBases;
import dev.distill.engine.testing.FixtureImages;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.runtime.LayerTreeStore;
import dev.distill.engine.verification.MigrationVerifier;
import dev.distill.engine.verification.Verification;
import dev.distill.engine.wiring.PodWiring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The verifier's benchmark (issue 5), for {@code bench/verify.sh}; not a test and not run by CI. In one JVM: a real
 * registry with the real distroless bases; then, per round, the Debian PHP fixture pushed to a repository of its own
 * and migrated as the pipeline does it (analysis, assembly, wiring, publish, verification under runc), every step
 * timed, the verification split as the verifier reports it (pull, unpack, start, probe). A REPAIR verdict is
 * followed, as in the pipeline, by a build with the files asked for and another verification, until a final verdict.
 *
 * <p>Then, for the last round, each program's image against the smallest possible: its base plus the regular files
 * the program opened while it was probed (from the verifier's trace, plus the ELF interpreter of each opened program,
 * which the kernel maps without a traced call), counted as tar entries (512-byte header plus
 * the content padded to 512 bytes), which is how the images' uncompressed sizes are counted too.
 *
 * <p>Usage: {@code VerifyBenchmark [ROUNDS]}, as root (runc), with {@code -Ddistill.repo.root=REPO}. Prints
 * {@code key=value} lines: one per round, the medians, one per program with the sizes and the largest carried
 * files no probe opened.
 */
public final class VerifyBenchmark {

    private static final int TAR_BLOCK = 512;
    private static final int UNUSED_SHOWN = 5;

    private VerifyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 1) {
            System.err.println("usage: VerifyBenchmark [ROUNDS]");
            System.exit(2);
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path work = Files.createTempDirectory("verify-bench");
        Files.setAttribute(work, "unix:mode", 0711);  // containers' root (a user namespace's host id) passes through
        try (LocalRegistry registry = LocalRegistry.start()) {
            RegistryClient client = registry.client();
            DistrolessBases.push(client, registry.host(), work.resolve("bases"));
            BaseCatalog bases = new BaseCatalog(registry.host() + "/distill/{flavour}:{variant}");
            FixtureImages.build("debian-php");

            List<long[]> timed = new ArrayList<>();
            Verification last = null;
            MigrationPlan lastPlan = null;
            BuildReport lastBuild = null;
            // -Ddistill.bench.keepVerifier=true: one verifier for all rounds, as the service keeps one; the source's
            // answers it keeps (same fixture, same digest) then spare rounds 2..N the source's unpack and run.
            boolean keepVerifier = Boolean.getBoolean("distill.bench.keepVerifier");
            // -Ddistill.bench.layerTrees=DIR (or true: in the bench's work directory): containers' rootfs as overlays of
            // layer trees unpacked once per layer (issue 15); a DIR kept between runs starts the trees warm.
            String treesProperty = System.getProperty("distill.bench.layerTrees", "false");
            LayerTreeStore trees = treesProperty.equals("false") ? null
                    : LayerTreeStore.open(treesProperty.equals("true") ? work.resolve("layer-trees") : Path.of(treesProperty), 8L << 30);
            MigrationVerifier.Options verifierOptions = MigrationVerifier.Options.defaults(work.resolve("verify")).withLayerTrees(trees);
            MigrationVerifier kept = new MigrationVerifier(client, verifierOptions);
            Verification.Run lastSourceRun = null;
            for (int round = 1; round <= rounds; round++) {
                String repository = "bench/php-r" + round;
                long t0 = System.nanoTime();
                FixtureImages.push("debian-php", registry.host() + "/" + repository + ":1");
                long t1 = System.nanoTime();

                ResolvedImage source = client.resolve(registry.reference(repository + ":1"), Platform.LINUX_AMD64);
                AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(source.layers(),
                        BlobSource.registry(client, source.pinnedReference()), LayerLimits.defaults(), source.imageConfig(),
                        new AnalysisReport.Subject(repository + ":1", source.pushedDigest().toString(), "linux/amd64"), null);
                long t2 = System.nanoTime();

                // As the pipeline: build, verify; on REPAIR build again with the files asked for, verify again.
                MigrationVerifier verifier = keepVerifier ? kept : new MigrationVerifier(client, verifierOptions);
                long buildNanos = 0;
                long verifyNanos = 0;
                long[] split = new long[6];  // pull, unpack, start, probe, source start, source probe
                BuildReport build;
                Verification v;
                List<ImageAssembler.Repair> repairs = new ArrayList<>();
                int repairRound = 0;
                while (true) {
                    long a = System.nanoTime();
                    build = build(client, bases, work, source, report, repairs);
                    long b = System.nanoTime();
                    // Each step the verifier reports, by its time since the verification began: where its wall time goes.
                    long verifyStart = System.nanoTime();
                    List<String> steps = new ArrayList<>();
                    v = verifier.verify(new MigrationVerifier.Request(build, report.plan(), Platform.LINUX_AMD64, Map.of(),
                            repairRound), p -> steps.add(ms(System.nanoTime() - verifyStart) + " " + p.step() + " "
                            + p.counters().stream().map(Object::toString).collect(java.util.stream.Collectors.joining(","))));
                    steps.add(ms(System.nanoTime() - verifyStart) + " verdict");
                    System.err.printf("[bench] round %d, repair round %d: steps (ms since start) %s%n", round, repairRound,
                            String.join(" | ", steps));
                    long c = System.nanoTime();
                    // The verdict is the verification's end; its sandboxes are closed after it, not in the next step.
                    verifier.awaitCleanups(java.time.Duration.ofMinutes(1));
                    buildNanos += b - a;
                    verifyNanos += c - b;
                    Verification.Timings in = v.timings();
                    // A kept source run is the earlier run itself: its start and probes did not happen in this round.
                    boolean sourceKept = v.sourceRun() == lastSourceRun;
                    lastSourceRun = v.sourceRun();
                    Verification.Timings sourceRun = sourceKept ? new Verification.Timings(0, 0, 0, 0, 0) : v.sourceRun().timings();
                    long[] these = {in.pullMillis(), in.unpackMillis(), in.startMillis(), in.probeMillis(),
                        sourceRun.startMillis(), sourceRun.probeMillis()};
                    for (int i = 0; i < split.length; i++) {
                        split[i] += these[i];
                    }
                    System.err.printf("[bench] round %d, repair round %d: rootfs %s; unpack %d ms (source %d ms)%n", round, repairRound,
                            in.rootfs(), in.unpackMillis(), sourceRun.unpackMillis());
                    System.err.printf("[bench] round %d, repair round %d: %s %s%n", round, repairRound, v.verdict(),
                            v.verdict() == Verification.Verdict.SUCCEEDED ? "" : v.reasons() + "\n" + v.result().logExcerpt());
                    if (v.verdict() != Verification.Verdict.REPAIR) {
                        break;
                    }
                    repairRound++;
                    repairs.addAll(repairsAsked(v, repairRound));
                }
                long t4 = System.nanoTime();

                long verifyMs = ms(verifyNanos);
                long other = verifyMs;
                for (long x : split) {
                    other -= x;
                }
                System.out.printf("round=%d push_ms=%d analysis_ms=%d build_ms=%d verify_ms=%d push_to_verdict_ms=%d "
                        + "after_push_ms=%d pull_ms=%d unpack_ms=%d start_ms=%d probe_ms=%d source_start_ms=%d "
                        + "source_probe_ms=%d checks_other_ms=%d repair_rounds=%d verdict=%s%n", round, ms(t1 - t0),
                        ms(t2 - t1), ms(buildNanos), verifyMs, ms(t4 - t0), ms(t4 - t1), split[0], split[1], split[2],
                        split[3], split[4], split[5], other, repairRound, v.verdict());
                timed.add(new long[] {ms(t1 - t0), ms(t2 - t1), ms(buildNanos), verifyMs, ms(t4 - t0), ms(t4 - t1),
                        split[0], split[1], split[2], split[3], split[4], split[5], other});
                last = v;
                lastPlan = report.plan();
                lastBuild = build;
            }
            String[] names = {"push_ms", "analysis_ms", "build_ms", "verify_ms", "push_to_verdict_ms", "after_push_ms",
                "pull_ms", "unpack_ms", "start_ms", "probe_ms", "source_start_ms", "source_probe_ms", "checks_other_ms"};
            StringBuilder medians = new StringBuilder("median:");
            for (int i = 0; i < names.length; i++) {
                medians.append(' ').append(names[i]).append('=').append(BenchMedians.median(timed, i));
            }
            System.out.println(medians.append(" rounds=").append(rounds));
            sizes(client, lastBuild, last, lastPlan);
        } finally {
            BuildBenchmark.deleteTree(work);
        }
    }

    /** Assembles, wires and publishes with a new assembler (no caches). */
    private static BuildReport build(RegistryClient client, BaseCatalog bases, Path work, ResolvedImage source,
            AnalysisReport report, List<ImageAssembler.Repair> repairs) throws Exception {
        ImageAssembler assembler = new ImageAssembler(client, bases, TagScheme.defaults(), LayerLimits.defaults(), "bench",
                Files.createDirectories(work.resolve("assembly")));
        return build(assembler, client, source, report, repairs, false);
    }

    /**
     * Assembles, wires (as distill-pipeline's PodWiringGenerator does) and publishes, as the builder stage does; the
     * build report the verifier reads.
     *
     * @param packages whether the images get their package records, as the builder stage gives them (issue 16)
     */
    static BuildReport build(ImageAssembler assembler, RegistryClient client, ResolvedImage source, AnalysisReport report,
            List<ImageAssembler.Repair> repairs, boolean packages) throws Exception {
        ImageAssembler.Source from = new ImageAssembler.Source(source, BlobSource.registry(client, source.pinnedReference()),
                source.reference().tag(), report.plan(), (SurfaceResult) report.detections().get("surface"), repairs);
        ImageAssembler.Assembly assembly = assembler.assemble(packages ? from.withPackages(report.packages()) : from);
        Map<String, ImageReference> pushed = new LinkedHashMap<>();
        for (ImageAssembler.ProgramImage image : assembly.images()) {
            ImageReference r = image.taggedReference();
            pushed.put(image.program(), new ImageReference(r.registry(), r.repository(), r.tag(),
                    image.pushed().manifestDigest()));
        }
        BuildReport build = BuildReport.of(source.reference().toString(), source.pushedDigest().toString(), "bench",
                assembly, new BuildReport.Wiring(PodWiring.fromPlan("app", report.plan(), pushed), "", ""));
        assembler.publish(assembly);
        return build;
    }

    /** As the builder's repair step: the files a REPAIR verdict asks for, as repairs of {@code round}. */
    static List<ImageAssembler.Repair> repairsAsked(Verification v, int round) {
        List<ImageAssembler.Repair> asked = new ArrayList<>();
        for (Verification.Candidate c : v.candidates()) {
            if (v.repairCandidates().getOrDefault(c.program(), List.of()).contains(c.path())) {
                asked.add(new ImageAssembler.Repair(c.program(), c.path(), round, c.reason()));
            }
        }
        return asked;
    }

    /**
     * Per program: the image (base and its own layer) against its base plus what the program opened while probed.
     * An opened path is resolved in the image (symlinks followed); only regular files of the program's own layer are
     * added, the base's are in the base's size already.
     */
    private static void sizes(RegistryClient client, BuildReport build, Verification v, MigrationPlan plan)
            throws Exception {
        for (BuildReport.Image image : build.images()) {
            ImageReference ref = ImageReference.parse(image.reference()).withDigest(Digest.parse(image.digest()));
            ResolvedImage resolved = client.resolve(ref, Platform.LINUX_AMD64);
            LayeredFileSystem fs = LayeredFileSystem.build(resolved, client, LayerLimits.defaults());
            int own = resolved.layers().size() - 1;
            // The base's layers, then the layers shared with the migration's other images, then the program's own.
            int baseLayers = client.resolve(ImageReference.parse(image.base()), Platform.LINUX_AMD64).layers().size();
            long base = 0;
            long shared = 0;
            for (int i = 0; i < own; i++) {
                if (i < baseLayers) {
                    base += fs.uncompressedSize(i);
                } else {
                    shared += fs.uncompressedSize(i);
                }
            }
            Map<String, FileEntry> opened = new TreeMap<>();
            Map<String, FileEntry> openedInBase = new TreeMap<>();
            int notInImage = 0;
            for (String path : withInterpreters(fs, v.result().opened().getOrDefault(image.program(), List.of()))) {
                Optional<FileEntry> entry = fs.resolve(path);
                if (entry.isEmpty() || !isContent(entry.get())) {
                    notInImage++;  // /dev, /proc, a socket, a directory: nothing to carry
                } else if (entry.get().layerIndex() < baseLayers) {
                    openedInBase.put(entry.get().path(), entry.get());
                } else {
                    opened.put(entry.get().path(), entry.get());
                }
            }
            long openedBytes = 0;
            long openedTar = 0;
            for (FileEntry e : opened.values()) {
                openedBytes += e.size();
                openedTar += tarSize(e.size());
            }
            long openedBaseTar = 0;
            for (FileEntry e : openedInBase.values()) {
                openedBaseTar += tarSize(e.size());
            }
            List<FileEntry> unused = new ArrayList<>();
            long carriedBytes = 0;
            ProgramPlan program = plan.programs().stream().filter(p -> p.name().equals(image.program())).findFirst()
                    .orElseThrow();
            for (CarriedFile f : program.files()) {
                Optional<FileEntry> e = fs.entry(f.path());
                if (e.isPresent() && e.get().type() == FileType.REGULAR && e.get().layerIndex() >= baseLayers) {
                    carriedBytes += e.get().size();
                    if (!opened.containsKey(e.get().path())) {
                        unused.add(e.get());
                    }
                }
            }
            unused.sort(Comparator.comparingLong(FileEntry::size).reversed());
            long smallest = base + openedTar;
            System.out.printf("program=%s base_uncompressed=%d shared_uncompressed=%d own_uncompressed=%d "
                    + "smallest_possible=%d%n", image.program(), base, shared, fs.uncompressedSize(own), smallest);
            System.out.printf("program=%s image_uncompressed=%d base_uncompressed=%d layer_uncompressed=%d "
                    + "carried_regular_bytes=%d opened_files=%d opened_bytes=%d opened_tar=%d opened_in_base=%d "
                    + "opened_in_base_tar=%d opened_elsewhere=%d smallest_possible=%d image_over_smallest=%.3f "
                    + "opened_only=%d source_uncompressed=%d%n",
                    image.program(), image.uncompressedSize(), base, fs.uncompressedSize(own), carriedBytes, opened.size(),
                    openedBytes, openedTar, openedInBase.size(), openedBaseTar, notInImage, smallest,
                    image.uncompressedSize() / (double) smallest, openedTar + openedBaseTar, build.sourceUncompressedSize());
            System.out.println("opened_in_base program=" + image.program() + ": " + String.join(" ", openedInBase.keySet()));
            StringBuilder top = new StringBuilder("unused_largest program=" + image.program() + ":");
            unused.stream().limit(UNUSED_SHOWN).forEach(e -> top.append(' ').append(e.path()).append('=').append(e.size()));
            System.out.println(top);
        }
        System.out.printf("result_uncompressed=%d source_uncompressed=%d verdict=%s%n", v.resultSize(), v.sourceSize(),
                v.verdict());
    }

    /**
     * The paths plus the ELF interpreter of each: the kernel maps a program's loader itself at {@code execve}, so no
     * traced call opens it, yet the program cannot run without it.
     */
    private static Set<String> withInterpreters(LayeredFileSystem fs, List<String> paths) throws IOException {
        Set<String> all = new TreeSet<>(paths);
        for (String path : paths) {
            Optional<FileEntry> entry = fs.resolve(path);
            if (entry.isEmpty() || !isContent(entry.get()) || !ElfFile.isElf(fs.read(entry.get(), 4))) {
                continue;
            }
            try {
                ElfFile.read(fs, entry.get()).interpreter().ifPresent(all::add);
            } catch (ElfFormatException e) {
                // Not a program we can read: it adds no loader.
            }
        }
        return all;
    }

    private static boolean isContent(FileEntry e) {
        return e.type() == FileType.REGULAR;
    }

    /** A file's bytes in a tar stream: its header and its content padded to whole blocks. */
    static long tarSize(long size) {
        return TAR_BLOCK + (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
