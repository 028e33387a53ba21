package dev.distill.engine.analysis;

import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.accounts.AccountsResult;
import dev.distill.engine.detect.catalog.Catalog;
import dev.distill.engine.detect.programs.ProgramsResult;
import dev.distill.engine.detect.shell.EntrypointResult;
import dev.distill.engine.elf.ElfObjects;
import dev.distill.engine.fs.ContentVisitor;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.identity.Passwd;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.loader.ElfDependencyResolver;
import dev.distill.engine.loader.ElfResolution;
import dev.distill.engine.packages.PackageDatabaseReader;
import dev.distill.engine.packages.PackageInventory;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.PlanNote;
import dev.distill.engine.plan.ProgramPlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Analyses one image: a single pass over its layers (ELF files parsed, configuration and package databases kept),
 * the detectors, every ELF file resolved by its own loader's rules, the package inventory and the migration plan.
 */
public final class ImageAnalyzer {

    /**
     * @param maxElfBytes ELF files larger than this are parsed on demand instead of during the pass
     * @param configCacheBytes how many bytes of configuration files and scripts to keep in memory
     */
    public record Options(long maxElfBytes, long configCacheBytes) {
        public static Options defaults() {
            return new Options(256L << 20, 64L << 20);
        }
    }

    private final Options options;
    private final Catalog catalog;
    private final DiskCache cache;

    public ImageAnalyzer(Options options) {
        this(options, Catalog.standard());
    }

    /** @param catalog the detectors and program kinds to run */
    public ImageAnalyzer(Options options, Catalog catalog) {
        this(options, catalog, null);
    }

    private ImageAnalyzer(Options options, Catalog catalog, DiskCache cache) {
        this.options = options;
        this.catalog = catalog;
        this.cache = cache;
    }

    /**
     * This analyzer keeping each layer's own facts in {@code cache} by layer digest ({@link LayerFacts}), so that an
     * image whose layers were analysed before, in any image, reads only its new layers' blobs. The report is the
     * same as without the cache.
     */
    public ImageAnalyzer withCache(DiskCache cache) {
        return new ImageAnalyzer(options, catalog, cache);
    }

    public AnalysisReport analyze(ImageFileSystem image, ImageConfig config, AnalysisReport.Subject subject)
            throws IOException {
        long start = System.nanoTime();
        DeferredFileSystem reads = new DeferredFileSystem();
        reads.set(image);
        ConfigCache files = new ConfigCache(reads, options.configCacheBytes(), catalog::reads);
        ElfObjects objects = new ElfObjects(files);
        PackageDatabaseReader packages = new PackageDatabaseReader();
        List<FileEntry> regular = image.entries().filter(FileEntry::isRegular).toList();
        // The one pass over the layers: every file's header, every ELF parsed, configuration and package databases kept.
        image.readAll(regular, files.keeper(objects.visitor(options.maxElfBytes(), packages.visitor())));
        AnalysisReport report = analyze(reads, files, objects, packages.inventory(reads), regular, config, subject, start,
                List.of());
        reads.throwIfALayerFailed();
        return report;
    }

    /**
     * Reads the image's layers and analyses it in one pass: the layers are indexed and every file's content is
     * read at once ({@link LayeredFileSystem#build(List, BlobSource, LayerLimits, ContentVisitor)}), instead of
     * building the view first and reading the layers again. What the pass saw of files that upper layers replace
     * or delete is dropped afterwards; the few files it could not serve (hard links whose target was replaced)
     * are read as usual. The same report as {@link #analyze(ImageFileSystem, ImageConfig, AnalysisReport.Subject)}
     * on the built view, at about half the decompression.
     *
     * @param built receives the view once built, for callers that go on using it; may be null
     */
    public AnalysisReport analyze(List<Descriptor> layers, BlobSource blobs, LayerLimits limits, ImageConfig config,
            AnalysisReport.Subject subject, Consumer<LayeredFileSystem> built) throws IOException {
        long start = System.nanoTime();
        if (cache != null) {
            try {
                return analyze(layers, blobs, limits, config, subject, built, start, true);
            } catch (LayerFacts.Mismatch e) {
                // A kept entry that does not fit its layer is not used; the analysis starts over from the blobs.
            }
        }
        return analyze(layers, blobs, limits, config, subject, built, start, false);
    }

    private AnalysisReport analyze(List<Descriptor> layers, BlobSource blobs, LayerLimits limits, ImageConfig config,
            AnalysisReport.Subject subject, Consumer<LayeredFileSystem> built, long start, boolean cached)
            throws IOException {
        DeferredFileSystem image = new DeferredFileSystem();
        ConfigCache files = new ConfigCache(image, options.configCacheBytes(), catalog::reads);
        ElfObjects objects = new ElfObjects(files);
        PackageDatabaseReader packages = new PackageDatabaseReader();
        Map<String, FileEntry> seen = new HashMap<>();
        LayeredFileSystem fs;
        if (cached) {
            try (LayerFacts facts = new LayerFacts(cache, cacheSettings(limits), objects,
                    f -> Math.max(ConfigCache.bytesRead(f, catalog::reads), PackageDatabaseReader.bytesRead(f)))) {
                ContentVisitor visitor = files.keeper(objects.visitor(options.maxElfBytes(), packages.visitor(), facts::earlier));
                fs = LayeredFileSystem.build(layers, blobs, limits, facts.recording((file, in) -> {
                    seen.put(file.path(), file);
                    visitor.visit(file, in);
                }), facts);
            }
        } else {
            ContentVisitor visitor = files.keeper(objects.visitor(options.maxElfBytes(), packages.visitor()));
            fs = LayeredFileSystem.build(layers, blobs, limits, (file, in) -> {
                seen.put(file.path(), file);
                visitor.visit(file, in);
            });
        }
        ContentVisitor visitor = files.keeper(objects.visitor(options.maxElfBytes(), packages.visitor()));
        image.set(cached ? new RememberedReads(fs, cache) : fs);
        if (built != null) {
            built.accept(fs);
        }
        List<FileEntry> regular = fs.entries().filter(FileEntry::isRegular).toList();
        List<FileEntry> unread = new ArrayList<>();
        for (FileEntry file : regular) {
            if (seen.remove(file.path()) != file) { // the very entry visited, or the pass saw other bytes
                files.forget(file.path());
                objects.forget(file.path());
                packages.forget(file.path());
                unread.add(file);
            }
        }
        for (String gone : seen.keySet()) { // deleted or replaced by a non-file above
            files.forget(gone);
            objects.forget(gone);
            packages.forget(gone);
        }
        if (!unread.isEmpty()) {
            fs.readAll(unread, visitor);
        }
        AnalysisReport report = analyze(image, files, objects, packages.inventory(image), regular, config, subject, start,
                unreadable(fs));
        // A layer that could not be read again after the pass fails the analysis, as it would have in the pass: the
        // readers that met it recorded it as a fact about a file, which it is not.
        image.throwIfALayerFailed();
        return report;
    }

    /**
     * What besides a layer's digest decides the facts kept of it: the tar reader's bound on names, how large an ELF
     * file is parsed in the pass, and which files the program kinds read.
     */
    private String cacheSettings(LayerLimits limits) {
        return "paths=" + limits.maxPathLength() + " elf=" + options.maxElfBytes() + " kinds="
                + catalog.kinds().stream().map(k -> k.getClass().getName()).sorted().toList();
    }

    /**
     * Entries the view left out because they cannot be named: a fact, not a problem, unless a program needs one
     * (it is then missing like any other file, and the plan says so).
     */
    private static List<Finding> unreadable(LayeredFileSystem fs) {
        return fs.unreadableEntries().stream().map(u -> new Finding(Finding.Kind.INFO, "layers", "", u.layerDigest(), 0,
                "layer " + u.layerIndex() + " entry '" + u.name() + "' left out of the image's view: " + u.reason()
                        + "; a program that needs it cannot be migrated", Map.of("entry", u.name()))).toList();
    }

    private AnalysisReport analyze(ImageFileSystem image, ConfigCache files, ElfObjects objects, PackageInventory packages,
            List<FileEntry> regular, ImageConfig config, AnalysisReport.Subject subject, long start,
            List<Finding> layerFindings) {
        Catalog.Report detections = catalog.run(files, config);
        ElfDependencyResolver resolver = new ElfDependencyResolver(objects, environment(config), true);
        List<BinaryReport> binaries = new ArrayList<>();
        for (String path : objects.parsedPaths()) {
            binaries.add(binary(resolver.resolve(path), image));
        }

        MigrationPlan plan = plan(files, config, detections, resolver, objects);
        Map<String, Object> results = new LinkedHashMap<>();
        for (Detection<?> d : detections.detections()) {
            if (d.result() != null) {
                results.put(d.detector(), d.result());
            }
        }
        long entries = image.entries().count();
        long bytes = regular.stream().mapToLong(FileEntry::size).sum();
        AnalysisReport.Stats stats = new AnalysisReport.Stats(entries, regular.size(), binaries.size(), bytes,
                files.filesKept(), files.bytesKept(), (System.nanoTime() - start) / 1_000_000);
        List<Finding> findings = new ArrayList<>(layerFindings);
        findings.addAll(detections.findings());
        return new AnalysisReport(AnalysisReport.SCHEMA_VERSION, subject, plan.classification(), plan, binaries,
                findings, results, packages, stats);
    }

    private MigrationPlan plan(ConfigCache fs, ImageConfig config, Catalog.Report detections,
            ElfDependencyResolver resolver, ElfObjects objects) {
        List<PlanNote> blockers = new ArrayList<>();
        List<PlanNote> warnings = new ArrayList<>();
        for (Finding f : detections.findings()) {
            if (f.detector().equals("surface") && f.kind() != Finding.Kind.BLOCKER) {
                // The attack-surface inventory describes what is left behind, not what the result carries.
                continue;
            }
            if (f.kind() == Finding.Kind.WARNING && providedByEveryBase(f)) {
                continue;
            }
            PlanNote note = new PlanNote(f.path().isEmpty() ? null : f.path() + (f.line() > 0 ? ":" + f.line() : ""),
                    f.layer(), f.detector() + ": " + f.reason());
            switch (f.kind()) {
                case BLOCKER -> blockers.add(note);
                case WARNING, ERROR -> warnings.add(note);
                default -> { }
            }
        }
        ProgramsResult programs = detections.result(ProgramsResult.class).orElse(ProgramsResult.NONE);
        Passwd passwd;
        try {
            passwd = Identity.accounts(fs);
        } catch (IOException | RuntimeException e) {
            passwd = Passwd.parse("", "", new ArrayList<>());
        }
        ProgramPlanner planner = new ProgramPlanner(fs, resolver,
                detections.result(AccountsResult.class).orElse(new AccountsResult(List.of(), List.of(), List.of())),
                passwd, programs.programs(), config.exposedPorts(), fs.etcTexts(), objects::looksLikeElf);
        List<ProgramPlan> plans = programs.programs().stream().map(planner::plan).toList();
        if (plans.isEmpty() && blockers.isEmpty()) {
            blockers.add(PlanNote.of("no program of the image could be found to migrate (see the findings)"));
        }
        // What the entrypoint does before the programs: steps baked at build time or run before each start (each
        // an init program planned like the others), ownership fixes, the image's volumes.
        EntrypointResult entrypoint = detections.result(EntrypointResult.class).orElse(null);
        List<PrestartPlanner.Init> inits = programs.inits().stream()
                .map(i -> new PrestartPlanner.Init(i.step(), planner.plan(i.program()))).toList();
        PrestartPlanner.Planned prestart = new PrestartPlanner(fs, config, passwd).plan(entrypoint, plans, inits);
        return new MigrationPlan(prestart.programs(), blockers, warnings, prestart.prestart());
    }

    /** Places every distroless base provides: CA bundle, time zones, NSS configuration, accounts, a 1777 /tmp. */
    private static final java.util.Set<String> BASE_PLACES = java.util.Set.of("/etc/ssl/certs",
            "/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo", "/etc/localtime", "/etc/nsswitch.conf", "/tmp",
            "/etc/passwd", "/etc/group");

    /** The users every distroless base's /etc/passwd has: root, nonroot and nobody. */
    private static final java.util.Set<String> BASE_UIDS = java.util.Set.of("0", "65532", "65534");

    /** A warning about the source image that the result does not inherit, because its base has the thing. */
    private static boolean providedByEveryBase(Finding f) {
        return BASE_PLACES.contains(f.path())
                || (f.detector().equals("accounts") && "/tmp".equals(f.data().get("place")))
                || (f.detector().equals("accounts") && BASE_UIDS.contains(f.data().getOrDefault("user", "")));
    }

    private static BinaryReport binary(ElfResolution r, ImageFileSystem image) {
        String layer = image.entry(r.path()).map(FileEntry::layerDigest).orElse(null);
        List<String> unresolved = r.unresolved().stream()
                .map(u -> u.name() + (u.requestedBy() == null ? "" : " (needed by " + u.requestedBy() + ")") + ": " + u.reason())
                .toList();
        return new BinaryReport(r.path(), layer, r.loader().name(), r.interpreter(), r.needed(), r.resolved(), unresolved);
    }

    private static Map<String, String> environment(ImageConfig config) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String kv : config.env()) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return env;
    }

}
