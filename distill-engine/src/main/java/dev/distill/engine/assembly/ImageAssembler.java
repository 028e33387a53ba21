package dev.distill.engine.assembly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.bake.Bake;
import dev.distill.engine.bake.BakeException;
import dev.distill.engine.bake.StepBaker;
import dev.distill.engine.budget.ParallelTasks;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.packages.InstalledPackage;
import dev.distill.engine.packages.PackageInventory;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.progress.Progress;
import dev.distill.engine.progress.ProgressListener;
import dev.distill.engine.registry.ImageUpload;
import dev.distill.engine.registry.PushedBlobs;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds one distroless image per program of a migration plan and pushes them untagged; {@link #publish} then
 * tags them all, so a failure anywhere before leaves no result tag behind. Base layers are mounted from the
 * base's repository, never uploaded again; the program's layer and the layer of its package records are the only
 * new layer blobs. Each image gets its SBOMs (CycloneDX and SPDX) attached as OCI referrers before it is tagged.
 *
 * <p>Faithful on purpose: Jib would follow symlinks, turn hard links into copies and cannot set setuid bits or
 * take a layer built elsewhere, so the layer is written by {@link dev.distill.engine.layer.LayerWriter} and pushed
 * with {@link ImageUpload} (see docs/assembly.md).
 */
public final class ImageAssembler {

    static final String CREATED = "1970-01-01T00:00:00Z";
    /** Distroless's {@code nonroot}: a program that runs as it goes on the base's {@code nonroot} variant. */
    static final int NONROOT_UID = 65532;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CONFIG_BYTES = 4 << 20;
    /** Images of one migration pushed at a time (each with a few of its blobs at a time, see ImageUpload). */
    private static final int IMAGES_AT_ONCE = 4;

    private final RegistryClient client;
    private final BaseCatalog bases;
    private final TagScheme tags;
    private final LayerLimits limits;
    private final String version;
    private final Path workDir;
    private final StepBaker baker;
    private final Map<Digest, PulledBase> baseCache = new ConcurrentHashMap<>();
    private final DiskCache cache;

    /** An assembler that cannot bake: a plan with baked steps fails with that reason. */
    public ImageAssembler(RegistryClient client, BaseCatalog bases, TagScheme tags, LayerLimits limits, String version,
            Path workDir) {
        this(client, bases, tags, limits, version, workDir, null);
    }

    /** @param baker runs the entrypoint's build-time steps in a sandbox of the source; null when this builder cannot */
    public ImageAssembler(RegistryClient client, BaseCatalog bases, TagScheme tags, LayerLimits limits, String version,
            Path workDir, StepBaker baker) {
        this(client, bases, tags, limits, version, workDir, baker, null);
    }

    /**
     * @param cache where source layers' indexes and carried files ({@link SourceLayers}) and built layers
     *     ({@link BuiltLayers}) are kept between builds, by layer digest and by a hash of a layer's inputs; null for none
     */
    public ImageAssembler(RegistryClient client, BaseCatalog bases, TagScheme tags, LayerLimits limits, String version,
            Path workDir, StepBaker baker, DiskCache cache) {
        this.cache = cache;
        this.client = client;
        this.bases = bases;
        this.tags = tags;
        this.limits = limits;
        this.version = version;
        this.workDir = workDir;
        this.baker = baker;
    }

    /**
     * The source to migrate.
     *
     * @param sourceTag the tag the source was pushed with, or null
     * @param surface the analysis' attack-surface inventory, for the left-behind list; may be null
     * @param repairs files the verifier asked for in repair rounds (this one and every earlier one): carried in
     *     addition to the plan's files, with every symlink on the way
     * @param packages the source's package inventory from the analysis: which package owns which file, for the
     *     result's package records and SBOM; {@link PackageInventory#NONE} when unknown
     */
    public record Source(ResolvedImage image, BlobSource blobs, String sourceTag, MigrationPlan plan, SurfaceResult surface,
            List<Repair> repairs, PackageInventory packages) {

        public Source {
            repairs = repairs == null ? List.of() : List.copyOf(repairs);
            packages = packages == null ? PackageInventory.NONE : packages;
        }

        public Source(ResolvedImage image, BlobSource blobs, String sourceTag, MigrationPlan plan, SurfaceResult surface,
                List<Repair> repairs) {
            this(image, blobs, sourceTag, plan, surface, repairs, PackageInventory.NONE);
        }

        public Source(ResolvedImage image, BlobSource blobs, String sourceTag, MigrationPlan plan, SurfaceResult surface) {
            this(image, blobs, sourceTag, plan, surface, List.of());
        }

        /** The same source with its package inventory. */
        public Source withPackages(PackageInventory inventory) {
            return new Source(image, blobs, sourceTag, plan, surface, repairs, inventory);
        }
    }

    /**
     * A path the verifier asked a program's image to carry: one the program used in the source's run (or failed to
     * open in the result's) that the source has and the result lacked.
     *
     * @param round the repair round that asked for it (1 for the first)
     * @param reason why, as the verifier saw it
     */
    public record Repair(String program, String path, int round, String reason) {

        public Repair {
            if (program == null || path == null || !path.startsWith("/") || round < 1) {
                throw new IllegalArgumentException("a repair names a program, an absolute path and a round >= 1, got "
                        + program + " " + path + " " + round);
            }
            reason = reason == null || reason.isBlank() ? "the verifier asked for it" : reason;
        }
    }

    /** What an image runs: one of the plan's programs, or an init step that runs before them. */
    public enum Role { PROGRAM, INIT }

    /**
     * One program's image, pushed but not yet tagged.
     *
     * @param baked the files the entrypoint's build-time steps made, changed or deleted in this image
     * @param layers its bytes by layer kind: the base's, the layers it shares with other images of the migration, its own
     * @param contents the source's packages it carries (with where their records are), its files of no package and
     *     its SBOMs
     * @param repaired what repair rounds carried beyond the plan, with bytes
     */
    public record ProgramImage(String program, Role role, String tag, ImageUpload.Pushed pushed, String base,
            Digest baseDigest, String user, String userReason, int files, long compressedSize, long uncompressedSize,
            List<FileChange> changes, List<BakedEntry> baked, LayerSizes layers, ResultContents contents,
            List<RepairedFile> repaired) {

        public ProgramImage {
            changes = List.copyOf(changes);
            baked = baked == null ? List.of() : List.copyOf(baked);
            contents = contents == null ? ResultContents.NONE : contents;
            repaired = repaired == null ? List.of() : List.copyOf(repaired);
        }

        /** {@code registry/repository:tag}: where the image is once published. */
        public ImageReference taggedReference() {
            ImageReference r = pushed.reference();
            return new ImageReference(r.registry(), r.repository(), tag, null);
        }

        /** {@code registry/repository@sha256:...}: exactly this image, tagged or not. */
        public ImageReference pinnedReference() {
            ImageReference r = pushed.reference();
            return new ImageReference(r.registry(), r.repository(), null, pushed.manifestDigest());
        }
    }

    /**
     * An image's size split by where its layers come from, compressed (as stored and pulled) and as tar: the base's
     * layers, the layers shared with other images of the migration, and its own (its files, and the entrypoint's
     * baked steps when it has them).
     *
     * @param sharedPrograms for each shared layer, the programs whose images hold it
     */
    public record LayerSizes(long baseCompressed, long baseUncompressed, long sharedCompressed, long sharedUncompressed,
            long ownCompressed, long ownUncompressed, List<List<String>> sharedPrograms) {

        public LayerSizes {
            sharedPrograms = sharedPrograms.stream().map(List::copyOf).toList();
        }
    }

    /** All images of one migration, and what the source had that none of them carries (tools, packages, files). */
    public record Assembly(List<ProgramImage> images, LeftBehind leftBehind, long sourceCompressedSize,
            long sourceUncompressedSize) {
    }

    public Assembly assemble(Source source) throws AssemblyException, IOException, RegistryException {
        return assemble(source, ProgressListener.NONE);
    }

    /**
     * Assembles and pushes (untagged) one image per program, reporting step {@code assemble}: programs built and
     * files carried, of the plan's. Reading the source's layers is reported by the {@code source.blobs()} the caller
     * passes (see {@link dev.distill.engine.progress.LayerReadProgress}).
     */
    public Assembly assemble(Source source, ProgressListener progress) throws AssemblyException, IOException,
            RegistryException {
        MigrationPlan plan = source.plan();
        if (plan.programs().isEmpty()) {
            throw new AssemblyException("the plan has no program to build");
        }
        List<ProgramPlan> inits = plan.prestart().init();
        Set<String> wanted = new TreeSet<>();
        Set<String> carried = new TreeSet<>();
        for (ProgramPlan p : concat(plan.programs(), inits)) {
            for (CarriedFile f : p.files()) {
                carried.add(f.path());
                if (f.type() == FileType.REGULAR || f.type() == FileType.HARDLINK) {
                    wanted.add(f.path());
                }
            }
        }
        if (!plan.prestart().baked().isEmpty() && baker == null) {
            throw new AssemblyException("the plan bakes " + plan.prestart().baked().size() + " entrypoint step(s) (first at "
                    + plan.prestart().baked().get(0).where() + "), but this builder has no sandbox to run them in");
        }
        Files.createDirectories(workDir);
        Path dir = Files.createTempDirectory(workDir, "assembly-");
        Path spool = Files.createDirectory(dir.resolve("spool"));
        ImageReference repository = source.image().reference();
        List<ProgramImage> images = new ArrayList<>();
        Map<String, List<InstalledPackage>> owners = source.packages().owners();
        // The copyright files of the packages the plan carries files of go with them: read them in the same pass.
        for (String path : List.copyOf(carried)) {
            owners.getOrDefault(path, List.of()).stream().map(InstalledPackage::copyright).filter(c -> c != null)
                    .forEach(wanted::add);
        }
        try (SourceContent content = SourceContent.read(source.image().layers(), source.blobs(), limits, wanted, spool,
                cache);
                Bake bake = bake(plan, source, content)) {
            // Every image of the migration, the programs' and the init steps', takes part in the shared layers.
            List<ProgramPlan> programs = new ArrayList<>();
            List<Role> roles = new ArrayList<>();
            List<ImageReference> baseReferences = new ArrayList<>();
            List<PulledBase> pulled = new ArrayList<>();
            List<ProgramLayer.Planned> planned = new ArrayList<>();
            List<List<RepairedFile>> repairs = new ArrayList<>();
            int count = plan.programs().size() + inits.size();
            long files = carried.size() + source.repairs().size();
            long filesDone = 0;
            progress.progress(Progress.of("assemble", Progress.count("programs", 0, count), Progress.count("files", 0, files)));
            Set<String> carriedByAll = new TreeSet<>();
            for (ProgramPlan p : concat(plan.programs(), inits)) {
                roles.add(programs.size() < plan.programs().size() ? Role.PROGRAM : Role.INIT);
                List<RepairedFile> repaired = new ArrayList<>();
                ProgramPlan program = withRepairs(p, source, content, repaired);
                repairs.add(repaired);
                content.ensure(PackageRecords.copyrights(source.packages(), owners,
                        program.files().stream().map(CarriedFile::path).toList(), content.view()));
                ImageReference baseReference = bases.reference(program.base().base(), program.runAs().uid() == NONROOT_UID,
                        repository.registry());
                PulledBase base = pull(baseReference, source.image().platform());
                programs.add(program);
                baseReferences.add(baseReference);
                pulled.add(base);
                planned.add(ProgramLayer.plan(program, content, base.content()));
            }
            SharedLayers.Split split = SharedLayers.of(planned.stream().map(ProgramLayer.Planned::entries).toList(),
                    pulled.stream().map(b -> b.content().view()).toList());
            Layers written = writeLayers(split, programs, content, dir, cache);
            // Each image is made here, one after another (its records, baked layer and config are local work), and
            // pushed with its SBOMs below, all images at once: a push is mostly a wait on the registry. One
            // PushedBlobs for the build: the base's layers, the shared layers and the artifacts' empty config are
            // asked about (and pushed or mounted) once, not once per image.
            PushedBlobs blobs = new PushedBlobs();
            List<ParallelTasks.Task<ProgramImage, Exception>> pushes = new ArrayList<>();
            for (int i = 0; i < programs.size(); i++) {
                List<WrittenLayer> shared = new ArrayList<>();
                List<List<String>> sharedBy = new ArrayList<>();
                for (SharedLayers.Group g : split.of(i)) {
                    int k = split.shared().indexOf(g);
                    shared.add(written.shared().get(k));
                    sharedBy.add(g.programs().stream().map(j -> programs.get(j).name()).toList());
                }
                boolean only = roles.get(i) == Role.PROGRAM && plan.programs().size() == 1;
                pushes.add(build(programs.get(i), roles.get(i), only, source, owners, bake, content, baseReferences.get(i),
                        pulled.get(i), shared, sharedBy, written.own().get(i), planned.get(i), repository, dir, carriedByAll,
                        repairs.get(i), blobs));
            }
            images.addAll(inParallel("distill-push-image", IMAGES_AT_ONCE, pushes));
            for (int i = 0; i < programs.size(); i++) {
                filesDone = Math.min(files, filesDone + programs.get(i).files().size());
                progress.progress(Progress.of("assemble", Progress.count("programs", i + 1, count),
                        Progress.count("files", filesDone, files)));
            }
            long sourceUncompressed = 0;
            for (int i = 0; i < source.image().layers().size(); i++) {
                sourceUncompressed += content.view().uncompressedSize(i);
            }
            long sourceFiles = content.view().entries().filter(e -> !e.isDirectory()).count();
            return new Assembly(images, LeftBehind.of(source.surface(), carried,
                    PackageSurface.of(source.packages(), carriedByAll, sourceFiles)), source.image().compressedLayerSize(),
                    sourceUncompressed);
        } finally {
            WorkDirectories.removeTree(dir);
        }
    }

    /** Runs the plan's baked steps in a sandbox of the source, once for every image; an empty bake when there are none. */
    private Bake bake(MigrationPlan plan, Source source, SourceContent content) throws AssemblyException, IOException {
        if (plan.prestart().baked().isEmpty()) {
            return new Bake(List.of(), List.of(), null);
        }
        try {
            return baker.bake(content.view(), source.image().imageConfig(), plan.prestart());
        } catch (BakeException e) {
            throw new AssemblyException(e.getMessage(), e);
        }
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /**
     * The plan plus the files repair rounds asked for: each path with every symlink on the way to what it names, as
     * the source has them, each listed in {@code repaired} with its bytes. A path the source does not have is not
     * carried (the verifier only asks for what the source has, but the source is read again here).
     */
    private static ProgramPlan withRepairs(ProgramPlan p, Source source, SourceContent content, List<RepairedFile> repaired)
            throws IOException {
        List<Repair> repairs = source.repairs().stream().filter(r -> r.program().equals(p.name())).toList();
        if (repairs.isEmpty()) {
            return p;
        }
        Map<String, CarriedFile> files = new LinkedHashMap<>();
        p.files().forEach(f -> files.put(f.path(), f));
        List<FileEntry> toRead = new ArrayList<>();
        for (Repair repair : repairs) {
            for (FileEntry e : SymlinkChain.of(content.view(), repair.path())) {
                if (!files.containsKey(e.path())) {
                    files.put(e.path(), CarriedFile.of(e, "repair round " + repair.round() + ": " + repair.reason()));
                    repaired.add(new RepairedFile(e.path(), e.type(), e.type() == FileType.REGULAR ? e.size() : 0,
                            repair.round(), repair.path(), repair.reason()));
                    if (e.type() == FileType.REGULAR || e.type() == FileType.HARDLINK) {
                        toRead.add(e);
                    }
                }
            }
        }
        content.ensure(toRead);
        return p.withFiles(List.copyOf(files.values()));
    }

    /** Tags every image of the assembly; the last step, after everything is pushed. */
    public List<ProgramImage> publish(Assembly assembly) throws RegistryException {
        ImageUpload upload = new ImageUpload(client);
        List<ParallelTasks.Task<ProgramImage, RegistryException>> tagging = new ArrayList<>();
        for (ProgramImage image : assembly.images()) {
            tagging.add(() -> {
                ImageUpload.Pushed pushed = upload.tag(image.pushed(), image.tag());
                return new ProgramImage(image.program(), image.role(), image.tag(), pushed, image.base(), image.baseDigest(),
                        image.user(), image.userReason(), image.files(), image.compressedSize(), image.uncompressedSize(),
                        image.changes(), image.baked(), image.layers(), image.contents(), image.repaired());
            });
        }
        // Each tag names a whole image already pushed: they are independent of each other.
        return ParallelTasks.all("distill-tag", IMAGES_AT_ONCE, tagging);
    }

    /** The layers written for one migration: the shared ones in {@link SharedLayers.Split#shared()} order, and each program's own. */
    private record Layers(List<WrittenLayer> shared, List<WrittenLayer> own) {
    }

    /**
     * Writes every layer of the migration, shared and own, each on a thread of its own (at most one per core): they
     * read the spooled source files, which the one pass over the source's layers left for all of them.
     */
    private static Layers writeLayers(SharedLayers.Split split, List<ProgramPlan> programs, SourceContent content, Path dir,
            DiskCache cache) throws IOException, AssemblyException, RegistryException {
        List<ParallelTasks.Task<WrittenLayer, Exception>> tasks = new ArrayList<>();
        for (int k = 0; k < split.shared().size(); k++) {
            TreeMap<String, ProgramLayer.Entry> entries = split.shared().get(k).entries();
            Path target = dir.resolve("shared-" + k + ".tar.gz");
            tasks.add(() -> BuiltLayers.write(cache, entries, content, target));
        }
        for (int i = 0; i < programs.size(); i++) {
            TreeMap<String, ProgramLayer.Entry> entries = split.own().get(i);
            Path target = dir.resolve(i + "-" + TagScheme.tagSafe(programs.get(i).name()) + ".tar.gz");
            tasks.add(() -> BuiltLayers.write(cache, entries, content, target));
        }
        List<WrittenLayer> done = inParallel("distill-layer-writer", Runtime.getRuntime().availableProcessors(), tasks);
        int shared = split.shared().size();
        return new Layers(List.copyOf(done.subList(0, shared)), List.copyOf(done.subList(shared, done.size())));
    }

    /** {@link ParallelTasks#all} for the assembly's tasks, whose failures are of these kinds. */
    private static <T> List<T> inParallel(String name, int atOnce, List<ParallelTasks.Task<T, Exception>> tasks)
            throws IOException, AssemblyException, RegistryException {
        try {
            return ParallelTasks.all(name, atOnce, tasks);
        } catch (IOException | AssemblyException | RegistryException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /**
     * @param carriedByAll collects every source path any image carries, for the package surface
     * @param repaired what repair rounds carried into this image beyond the plan
     * @return the image's push, with its SBOMs: the rest of its making, which needs nothing from the other images'
     */
    private ParallelTasks.Task<ProgramImage, Exception> build(ProgramPlan program, Role role, boolean only, Source source,
            Map<String, List<InstalledPackage>> owners, Bake bake, SourceContent content, ImageReference baseReference,
            PulledBase base, List<WrittenLayer> shared, List<List<String>> sharedBy, WrittenLayer own,
            ProgramLayer.Planned planned, ImageReference repository, Path dir, Set<String> carriedByAll,
            List<RepairedFile> repaired, PushedBlobs blobs)
            throws AssemblyException, IOException {
        Identity user = program.runAs();
        List<ImageUpload.Layer> layers = new ArrayList<>();
        List<Descriptor> baseLayers = base.image().layers();
        long baseUncompressed = 0;
        long baseCompressed = 0;
        for (int i = 0; i < baseLayers.size(); i++) {
            layers.add(ImageUpload.Layer.existing(baseLayers.get(i), base.diffIds().get(i), base.image().pinnedReference(),
                    base.content().uncompressedSize(i)));
            baseUncompressed += base.content().uncompressedSize(i);
            baseCompressed += baseLayers.get(i).size();
        }
        // The shared layers right above the base, the widest first; the program's own layer stays on top.
        long sharedCompressed = 0;
        long sharedUncompressed = 0;
        for (WrittenLayer layer : shared) {
            layers.add(layer.upload());
            sharedCompressed += layer.size();
            sharedUncompressed += layer.uncompressedSize();
        }
        // The package records go right below the program's own layer: they are this image's own (which packages it
        // carries, the shared files included), so the layers several images share sit below them, right above the base.
        PackageRecords.Result records = PackageRecords.write(source.packages(), owners, planned.fromSource(content.view()),
                base.packages(), base.content().view(), content,
                dir.resolve(TagScheme.tagSafe(program.name()) + "-records.tar.gz"));
        carriedByAll.addAll(records.carried());
        long ownCompressed = 0;
        long ownUncompressed = 0;
        if (records.layer() != null) {
            layers.add(records.layer().upload());
            ownCompressed += records.layer().size();
            ownUncompressed += records.layer().uncompressedSize();
        }
        layers.add(own.upload());
        ownCompressed += own.size();
        ownUncompressed += own.uncompressedSize();
        // The entrypoint's baked steps go on top: what they changed wins over the carried files.
        List<FileChange> changes = new ArrayList<>(planned.changes());
        Optional<BakeLayer.Result> baked = BakeLayer.write(bake, program, content.view(),
                dir.resolve(TagScheme.tagSafe(program.name()) + "-baked.tar.gz"));
        if (baked.isPresent()) {
            layers.add(baked.get().layer().upload());
            ownCompressed += baked.get().layer().size();
            ownUncompressed += baked.get().layer().uncompressedSize();
            changes.addAll(baked.get().changes());
        }
        long uncompressed = baseUncompressed + sharedUncompressed + ownUncompressed;
        int bakedFiles = baked.map(b -> b.entries().size()).orElse(0);
        ObjectNode config = config(program, user, base, source, sharedBy, bakedFiles);
        if (records.layer() != null) {
            ArrayNode history = config.withArrayProperty("history");
            ObjectNode step = JSON.createObjectNode();
            step.put("created", CREATED);
            step.put("created_by", "distill " + version + ": the package records of what " + program.name()
                    + " carries (" + records.contents().packageDatabase() + ")");
            step.put("comment", records.contents().packages().size() + " packages of the source");
            // Before the program's own step (and the baked steps' after it), as the layers are.
            history.insert(history.size() - (bakedFiles > 0 ? 2 : 1), step);
        }
        Map<String, String> annotations = new TreeMap<>();
        annotations.put("org.opencontainers.image.base.name", baseReference.toString());
        annotations.put("org.opencontainers.image.base.digest", base.image().manifestDigest().toString());
        annotations.put("dev.distill.source.name", source.image().reference().withDigest(null).toString());
        annotations.put("dev.distill.source.digest", source.image().pushedDigest().toString());
        annotations.put("dev.distill.program", program.name());
        annotations.put("dev.distill.version", version);
        String tag = tags.tag(source.sourceTag(), source.image().pushedDigest().hex(), program.name(), only);
        ResultContents contents = baked.map(b -> b.contents(records.contents(), records.carried()))
                .orElse(records.contents());
        LayerSizes sizes = new LayerSizes(baseCompressed, baseUncompressed, sharedCompressed, sharedUncompressed,
                ownCompressed, ownUncompressed, sharedBy);
        return () -> {
            ImageUpload.Pushed pushed = new ImageUpload(client, blobs).push(repository, layers, config, annotations);
            ResultContents.Sbom sbom = ResultSbom.attach(client, blobs, version, program, pushed, baseReference, base.image(),
                    base.packages(), source, records, contents, baked.map(BakeLayer.Result::files).orElse(List.of()),
                    content);
            return new ProgramImage(program.name(), role, tag, pushed, baseReference.toString(),
                    base.image().manifestDigest(), user.spec(), program.runAsReason(), planned.files(),
                    pushed.compressedSize(), uncompressed, changes, baked.map(BakeLayer.Result::entries).orElse(List.of()),
                    sizes, contents.withSbom(sbom), repaired);
        };
    }

    /** The image config: the base's, with the program's command, user, environment, ports and labels. */
    private ObjectNode config(ProgramPlan program, Identity user, PulledBase base, Source source, List<List<String>> sharedBy,
            int bakedFiles) {
        ObjectNode config = base.config().deepCopy();
        config.put("created", CREATED);
        config.remove("rootfs");
        ObjectNode c = config.withObjectProperty("config");
        c.put("User", user.spec());
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : c.path("Env")) {
            putEnv(env, e.asText());
        }
        program.env().forEach(e -> putEnv(env, e));
        ArrayNode envNode = c.putArray("Env");
        env.forEach((k, v) -> envNode.add(k + "=" + v));
        ArrayNode entrypoint = c.putArray("Entrypoint");
        entrypoint.add(program.command().get(0));
        ArrayNode cmd = c.putArray("Cmd");
        program.command().subList(1, program.command().size()).forEach(cmd::add);
        if (program.workingDir() != null && !program.workingDir().isEmpty()) {
            c.put("WorkingDir", program.workingDir());
        }
        c.remove("ExposedPorts");
        if (!program.exposedPorts().isEmpty()) {
            ObjectNode ports = c.putObject("ExposedPorts");
            new TreeSet<>(program.exposedPorts()).forEach(p -> ports.putObject(p));
        }
        if (program.stopSignal() != null && !program.stopSignal().isEmpty()) {
            c.put("StopSignal", program.stopSignal());
        }
        ObjectNode labels = c.withObjectProperty("Labels");
        Map<String, String> sourceLabels = source.image().imageConfig().labels();
        if (sourceLabels != null) {
            new TreeMap<>(sourceLabels).forEach(labels::put);
        }
        labels.put("dev.distill.program", program.name());
        labels.put("dev.distill.source.digest", source.image().pushedDigest().toString());
        labels.put("dev.distill.version", version);
        ArrayNode history = config.withArrayProperty("history");
        for (List<String> programs : sharedBy) {
            ObjectNode shared = history.addObject();
            shared.put("created", CREATED);
            shared.put("created_by", "distill " + version + ": the files " + String.join(", ", programs)
                    + " carry alike from " + source.image().reference().withDigest(null) + "@" + source.image().pushedDigest());
            shared.put("comment", "one layer shared by the images of " + String.join(", ", programs));
        }
        ObjectNode step = history.addObject();
        step.put("created", CREATED);
        step.put("created_by", "distill " + version + ": " + program.name() + " with the files it needs from "
                + source.image().reference().withDigest(null) + "@" + source.image().pushedDigest());
        step.put("comment", program.files().size() + " carried files");
        if (bakedFiles > 0) {
            ObjectNode baked = history.addObject();
            baked.put("created", CREATED);
            baked.put("created_by", "distill " + version + ": the source entrypoint's build-time steps, run once in a sandbox"
                    + " of the source");
            baked.put("comment", bakedFiles + " files made, changed or deleted by them");
        }
        return config;
    }

    private static void putEnv(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        if (eq > 0) {
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
    }

    /**
     * A base as pulled: its manifest, config JSON, diffIDs, merged view with its files' hashes (for passwd, group,
     * directories and the files it already has) and the packages it records.
     */
    private record PulledBase(ResolvedImage image, ObjectNode config, List<Digest> diffIds, BaseContent content,
            BasePackages packages) {
    }

    private PulledBase pull(ImageReference reference, Platform platform) throws AssemblyException {
        ResolvedImage image;
        try {
            image = client.resolve(reference, platform);
        } catch (RegistryException e) {
            throw new AssemblyException("cannot pull the base " + reference + " for " + platform + ": " + e.getMessage()
                    + " (build the bases with deploy/local/bases.sh, or point distill.build.base-images at a mirror)", e);
        }
        PulledBase cached = baseCache.get(image.manifestDigest());
        if (cached != null) {
            return cached;
        }
        try {
            byte[] bytes;
            try (InputStream in = client.openBlob(image.pinnedReference(), image.config())) {
                bytes = in.readNBytes(MAX_CONFIG_BYTES);
            }
            ObjectNode config = (ObjectNode) JSON.readTree(bytes);
            List<Digest> diffIds = new ArrayList<>();
            for (JsonNode d : config.path("rootfs").path("diff_ids")) {
                diffIds.add(Digest.parse(d.asText()));
            }
            if (diffIds.size() != image.layers().size()) {
                throw new AssemblyException("the base " + reference + " lists " + diffIds.size() + " diffIDs for "
                        + image.layers().size() + " layers");
            }
            BaseContent content = BaseContent.read(image.layers(), BlobSource.registry(client, image.pinnedReference()), limits);
            PulledBase base = new PulledBase(image, config, diffIds, content, BasePackages.read(content.view()));
            baseCache.put(image.manifestDigest(), base);
            return base;
        } catch (IOException | RegistryException | IllegalArgumentException | ClassCastException e) {
            throw new AssemblyException("cannot read the base " + reference + ": " + e.getMessage(), e);
        }
    }

}
