package dev.distill.engine.distroless;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.debian.DebianPackage;
import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.ElfKind;
import dev.distill.engine.elf.ElfObjects;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.jvm.JvmHome;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.loader.ElfDependencyResolver;
import dev.distill.engine.loader.ElfResolution;
import dev.distill.engine.plan.BaseImage;
import dev.distill.engine.registry.ImageUpload;
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
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds Distill's Java base, {@code <prefix>/java17:latest} and {@code :nonroot}, on the {@code cc} base that
 * {@link DistrolessBaseBuilder} pushed under the same prefix: the {@code cc} layers (mounted, not copied), the whole
 * runtime package, one layer per library package with only the files the runtime's ELF closure reaches, and one layer
 * of what Debian's maintainer scripts would have made: the Java trust store from the base's CA bundle and
 * {@code /usr/bin/java}. Deterministic, like the other bases.
 */
public final class JavaBaseBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClient client;
    private final DebDirectory debs;
    private final Path workDirectory;

    public JavaBaseBuilder(RegistryClient client, DebDirectory debs, Path workDirectory) {
        if (client == null || debs == null || workDirectory == null) {
            throw new IllegalArgumentException("the Java base builder needs a client, a deb directory and a work directory, got "
                    + client + ", " + debs + ", " + workDirectory);
        }
        this.client = client;
        this.debs = debs;
        this.workDirectory = workDirectory;
    }

    public JavaBaseReport buildAndPush(String prefix) throws IOException, RegistryException {
        String repositoryPrefix = DistrolessBaseBuilder.repositoryPrefix(prefix);
        Files.createDirectories(workDirectory);
        List<OmittedEntry> omitted = new ArrayList<>();

        // The cc base as pushed: its packages must be the ones opened here, or the closure would be judged on other files.
        Map<String, LayerTree> baseTrees = new LinkedHashMap<>();
        List<String> baseVersions = new ArrayList<>();
        byte[] caBundle = null;
        for (String name : DistrolessRecipe.packages(BaseImage.CC)) {
            DebianPackage deb = debs.open(name);
            baseVersions.add(deb.name() + "=" + deb.version());
            if (name.equals(DistrolessRecipe.CERTIFICATES_PACKAGE)) {
                PackageLayers.Certificates bundle = PackageLayers.certificatesTree(deb, new ArrayList<>());
                caBundle = bundle.tree().content(PackageLayers.CA_BUNDLE);
                baseTrees.put(name, bundle.tree());
            } else {
                baseTrees.put(name, PackageLayers.packageTree(deb, new ArrayList<>()));
            }
        }
        if (caBundle == null) {
            throw new DistrolessBuildException("the cc base has no CA bundle at " + PackageLayers.CA_BUNDLE);
        }
        DebianPackage runtimeDeb = debs.open(JavaRuntimeRecipe.RUNTIME_PACKAGE);
        String debianArchitecture = runtimeDeb.control().architecture();
        String[] oci = DistrolessBaseBuilder.ociArchitecture(debianArchitecture);
        Platform platform = new Platform("linux", oci[0], oci[1]);
        Map<BaseVariant, ResolvedImage> bases = new LinkedHashMap<>();
        for (BaseVariant variant : BaseVariant.values()) {
            ResolvedImage base = client.resolve(DistrolessBaseBuilder.reference(repositoryPrefix, BaseImage.CC, variant), platform);
            String packages = base.imageConfig().labels().getOrDefault("dev.distill.base.packages", "");
            if (!packages.equals(String.join(" ", baseVersions))) {
                throw new DistrolessBuildException(base.reference() + " was built from [" + packages + "], not from the"
                        + " packages at hand [" + String.join(" ", baseVersions) + "]: build the bases first"
                        + " (deploy/local/bases.sh), with the same package versions");
            }
            bases.put(variant, base);
        }

        // The Java runtime: the package whole, its ELF files' closure from the library packages.
        LayerTree runtime = PackageLayers.packageTree(runtimeDeb, omitted);
        String javaHome = JavaRuntimeRecipe.javaHome(debianArchitecture);
        Candidates libraries = candidates(JavaRuntimeRecipe.LIBRARY_PACKAGES);
        MemoryFileSystem runtimeView = view(baseTrees.values(), libraries.trees().values(), List.of(runtime));
        List<JvmHome> jvms = JvmHome.find(runtimeView);
        if (jvms.stream().noneMatch(h -> h.path().equals(javaHome))) {
            throw new DistrolessBuildException(JavaRuntimeRecipe.RUNTIME_PACKAGE + " has no JVM home at " + javaHome
                    + " (found " + jvms + ")");
        }
        List<String> elfFiles = runtime.nodes().entrySet().stream()
                .filter(e -> e.getValue().kind() == LayerTree.Kind.FILE && ElfFile.isElf(e.getValue().content()))
                .map(Map.Entry::getKey).toList();
        TreeSet<String> runtimeClosure = closure(runtimeView, elfFiles, jvms, "the Java runtime",
                "JavaRuntimeRecipe.LIBRARY_PACKAGES");
        List<JavaBaseReport.Carried> carried = new ArrayList<>();
        List<String> unused = new ArrayList<>();
        List<String> versions = new ArrayList<>(List.of(runtimeDeb.name() + "=" + runtimeDeb.version()));
        List<Built> javaLayers = new ArrayList<>();
        javaLayers.add(new Built("deb " + runtimeDeb.name() + "=" + runtimeDeb.version(), runtime.write(file("runtime"))));
        javaLayers.addAll(taken(libraries, runtimeClosure, Set.of(), "the Java runtime", carried, unused, versions,
                "java-library"));
        Candidates locale = candidates(List.of(JavaRuntimeRecipe.LOCALE_PACKAGE));
        TreeSet<String> localeFiles = new TreeSet<>(locale.trees().get(JavaRuntimeRecipe.LOCALE_PACKAGE).nodes().keySet().stream()
                .filter(p -> p.startsWith(JavaRuntimeRecipe.LOCALE_DIRECTORY + "/")).toList());
        if (localeFiles.isEmpty()) {
            throw new DistrolessBuildException(JavaRuntimeRecipe.LOCALE_PACKAGE + " has nothing under "
                    + JavaRuntimeRecipe.LOCALE_DIRECTORY);
        }
        javaLayers.addAll(taken(locale, localeFiles, Set.of(), "the JVM's UTF-8 file names (the C.UTF-8 locale)", carried,
                unused, versions, "locale"));
        var certificates = JksTrustStore.certificates(caBundle);
        LayerTree extras = new LayerTree("Java extras");
        extras.file(JavaRuntimeRecipe.CACERTS, 0644, 0, 0, JksTrustStore.write(certificates));
        extras.symlink(JavaRuntimeRecipe.JAVA_ON_PATH, ".." + javaHome.substring("/usr".length()) + "/bin/java", 0, 0);
        javaLayers.add(new Built("java extras: trust store " + JavaRuntimeRecipe.CACERTS + ", " + JavaRuntimeRecipe.JAVA_ON_PATH,
                extras.write(file("java-extras"))));

        ImageUpload upload = new ImageUpload(client);
        List<JavaBaseReport.Image> images = new ArrayList<>();
        List<String> javaPackages = new ArrayList<>(baseVersions);
        javaPackages.addAll(versions);
        for (BaseVariant variant : BaseVariant.values()) {
            images.add(pushOnTop(upload, bases.get(variant), repositoryPrefix, JavaRuntimeRecipe.FLAVOUR, variant, javaLayers,
                    List.of("JAVA_HOME=" + javaHome, "LANG=" + JavaRuntimeRecipe.LANG),
                    List.of(JavaRuntimeRecipe.JAVA_ON_PATH, "-jar"), javaPackages));
        }

        // The verifier's tools on the Java base as root: the programs and their closures.
        Candidates programs = candidates(VerifierToolsRecipe.PROGRAMS.values().stream().distinct().toList());
        Candidates toolLibraries = candidates(VerifierToolsRecipe.LIBRARY_PACKAGES);
        MemoryFileSystem toolsView = view(baseTrees.values(), toolLibraries.trees().values(), programs.trees().values());
        TreeSet<String> toolsClosure = closure(toolsView, List.copyOf(VerifierToolsRecipe.PROGRAMS.keySet()), List.of(),
                "the verifier's tools", "VerifierToolsRecipe.LIBRARY_PACKAGES");
        toolsClosure.addAll(VerifierToolsRecipe.PROGRAMS.keySet());
        List<String> toolVersions = new ArrayList<>();
        List<Built> toolLayers = new ArrayList<>();
        // What the Java layers below already carry (zlib, brotli, pcre2 ...) is not carried twice.
        toolLayers.addAll(taken(programs, toolsClosure, runtimeClosure, "the verifier's tools", carried, new ArrayList<>(),
                toolVersions, "tool"));
        toolLayers.addAll(taken(toolLibraries, toolsClosure, runtimeClosure, "the verifier's tools", carried,
                new ArrayList<>(), toolVersions, "tool-library"));
        ResolvedImage javaRoot = client.resolve(images.get(0).reference(), platform);
        List<String> toolPackages = new ArrayList<>(javaPackages);
        toolPackages.addAll(toolVersions);
        images.add(pushOnTop(upload, javaRoot, repositoryPrefix, VerifierToolsRecipe.FLAVOUR, BaseVariant.ROOT, toolLayers,
                List.of(), List.of(JavaRuntimeRecipe.JAVA_ON_PATH, "-jar"), toolPackages));
        versions.addAll(toolVersions);
        return new JavaBaseReport(images, bases.get(BaseVariant.ROOT).pinnedReference(), javaHome, versions, carried, unused,
                certificates.size(), omitted);
    }

    /** Candidate packages, opened, each as its whole tree. */
    private record Candidates(Map<String, DebianPackage> debs, Map<String, LayerTree> trees) {
    }

    private Candidates candidates(List<String> names) throws IOException {
        Map<String, DebianPackage> opened = new LinkedHashMap<>();
        Map<String, LayerTree> trees = new LinkedHashMap<>();
        for (String name : names) {
            DebianPackage deb = debs.open(name);
            opened.put(name, deb);
            trees.put(name, PackageLayers.packageTree(deb, new ArrayList<>()));
        }
        return new Candidates(opened, trees);
    }

    /**
     * One layer per candidate package a closure took files from (except what the layers {@code below} carry), with
     * what it took; the others are {@code unused}.
     */
    private List<Built> taken(Candidates candidates, TreeSet<String> closure, Set<String> below, String forWhat,
            List<JavaBaseReport.Carried> carried, List<String> unused, List<String> versions, String layerName)
            throws IOException {
        List<Built> out = new ArrayList<>();
        for (Map.Entry<String, LayerTree> e : candidates.trees().entrySet()) {
            DebianPackage deb = candidates.debs().get(e.getKey());
            List<String> taken = e.getValue().nodes().keySet().stream()
                    .filter(p -> closure.contains(p) && !below.contains(p)).toList();
            if (taken.isEmpty()) {
                unused.add(deb.name());
                continue;
            }
            String version = deb.name() + "=" + deb.version();
            versions.add(version);
            carried.add(new JavaBaseReport.Carried(version, taken));
            out.add(new Built("deb " + version + " (only what " + forWhat + " needs: " + taken.size() + " entries)",
                    PackageLayers.partialTree(deb, e.getValue(), taken).write(file(layerName + "-" + deb.name()))));
        }
        return out;
    }

    /** Pushes {@code <prefix>/<flavour>:<variant>}: the base's layers (mounted), then {@code added}. */
    private JavaBaseReport.Image pushOnTop(ImageUpload upload, ResolvedImage base, String repositoryPrefix, String flavour,
            BaseVariant variant, List<Built> added, List<String> extraEnv, List<String> entrypoint, List<String> packages)
            throws IOException, RegistryException {
        ObjectNode config = baseConfig(base);
        ArrayNode diffIds = (ArrayNode) config.path("rootfs").path("diff_ids");
        List<ImageUpload.Layer> layers = new ArrayList<>();
        for (int i = 0; i < base.layers().size(); i++) {
            layers.add(ImageUpload.Layer.existing(base.layers().get(i), Digest.parse(diffIds.get(i).asText()),
                    base.pinnedReference()));
        }
        for (Built b : added) {
            layers.add(b.written().upload());
        }
        ObjectNode runtimeConfig = (ObjectNode) config.path("config");
        ArrayNode env = runtimeConfig.putArray("Env");
        base.imageConfig().env().forEach(env::add);
        extraEnv.forEach(env::add);
        ArrayNode entry = runtimeConfig.putArray("Entrypoint");
        entrypoint.forEach(entry::add);
        ObjectNode labels = runtimeConfig.putObject("Labels");
        labels.put("dev.distill.base", flavour);
        labels.put("dev.distill.base.variant", variant.tag());
        labels.put("dev.distill.base.packages", String.join(" ", packages));
        ArrayNode history = (ArrayNode) config.path("history");
        for (Built b : added) {
            ObjectNode step = history.addObject();
            step.put("created", DistrolessBaseBuilder.EPOCH);
            step.put("created_by", "distill: " + b.createdBy());
        }
        config.remove("rootfs");
        ImageReference repository = ImageReference.parse(repositoryPrefix + "/" + flavour);
        ImageUpload.Pushed pushed = upload.tag(upload.push(repository, layers, config, Map.of()), variant.tag());
        return new JavaBaseReport.Image(flavour, variant, pushed.reference(), pushed.manifestDigest(), pushed.compressedSize(),
                layers.size());
    }

    /** A view of the trees for the loader's rules (later trees win a path); only ELF files keep their content. */
    @SafeVarargs
    private static MemoryFileSystem view(java.util.Collection<LayerTree>... groups) {
        MemoryFileSystem.Builder view = MemoryFileSystem.builder();
        for (java.util.Collection<LayerTree> group : groups) {
            group.forEach(t -> addTo(view, t));
        }
        return view.build();
    }

    /**
     * Every file and link {@code roots} need by the loader's rules; a library of a JVM home resolved as the JVM loads it,
     * after itself. Objects files and files without dependencies are skipped.
     *
     * @throws DistrolessBuildException naming each library no package of the view provides
     */
    static TreeSet<String> closure(MemoryFileSystem fs, List<String> roots, List<JvmHome> jvms, String forWhat,
            String recipe) throws DistrolessBuildException {
        ElfObjects objects = new ElfObjects(fs);
        // Strict, like the static check: the real loader never reads ld.so.conf.
        ElfDependencyResolver resolver = new ElfDependencyResolver(objects, Map.of(), false);
        TreeSet<String> closure = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        for (String root : roots) {
            FileEntry entry = fs.entry(root).orElseThrow(() -> new DistrolessBuildException(forWhat + ": " + root
                    + " is in none of its packages"));
            ElfFile elf;
            try {
                elf = objects.elf(entry);
            } catch (IOException | RuntimeException ex) {
                throw new DistrolessBuildException(forWhat + ": " + root + " cannot be read as ELF: " + ex.getMessage(), ex);
            }
            if (elf.kind() == ElfKind.RELOCATABLE || elf.kind() == ElfKind.CORE || elf.kind() == ElfKind.OTHER
                    || (elf.interpreter().isEmpty() && elf.needed().isEmpty())) {
                continue;
            }
            ElfResolution r = resolver.resolve(root, JvmHome.preloadedFor(jvms, root));
            closure.addAll(r.closure());
            r.unresolved().forEach(u -> missing.add((u.requestedBy() == null ? r.path() : u.requestedBy()) + " needs "
                    + u.name() + ": " + u.reason()));
        }
        if (!missing.isEmpty()) {
            throw new DistrolessBuildException("the closure of " + forWhat + " is incomplete; add the packages that have these"
                    + " libraries to " + recipe + ": " + new TreeSet<>(missing));
        }
        return closure;
    }

    /** The tree's entries into the view; only ELF files keep their content (nothing else is read to resolve). */
    private static void addTo(MemoryFileSystem.Builder view, LayerTree tree) {
        tree.nodes().forEach((path, node) -> {
            view.owner(node.uid(), node.gid());
            switch (node.kind()) {
                case DIRECTORY -> view.directory(path, node.mode());
                case FILE -> view.file(path, ElfFile.isElf(node.content()) ? node.content() : new byte[0], node.mode());
                case SYMLINK -> view.symlink(path, node.target());
                case HARDLINK -> view.hardlink(path, node.target());
            }
        });
    }

    private ObjectNode baseConfig(ResolvedImage base) throws IOException, RegistryException {
        try (InputStream in = client.openBlob(base.pinnedReference(), base.config())) {
            JsonNode config = JSON.readTree(in);
            if (!(config instanceof ObjectNode object) || !config.path("rootfs").path("diff_ids").isArray()
                    || config.path("rootfs").path("diff_ids").size() != base.layers().size()) {
                throw new DistrolessBuildException(base.reference() + " has no usable image config (rootfs.diff_ids must"
                        + " match its " + base.layers().size() + " layers)");
            }
            return object;
        }
    }

    private Path file(String name) {
        return workDirectory.resolve("java-" + name + ".tar.gz");
    }

    /** A written layer and the history line that says what it is. */
    private record Built(String createdBy, WrittenLayer written) {
    }
}
