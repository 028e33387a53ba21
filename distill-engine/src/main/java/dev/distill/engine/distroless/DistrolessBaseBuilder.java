package dev.distill.engine.distroless;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.debian.DebianPackage;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.plan.BaseImage;
import dev.distill.engine.registry.ImageUpload;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the six distroless bases ({@code static}, {@code base}, {@code cc}, each {@code latest} and
 * {@code nonroot}) from a directory of Debian packages and pushes them as OCI images to
 * {@code <prefix>/<flavour>:<tag>}, e.g. {@code 127.0.0.1:5000/distill/cc:nonroot}.
 *
 * <p>Each package is one layer and the distroless extras one more, on top; the images share these blobs (a blob
 * already pushed to one repository is mounted into the next). Layers are written sorted with fixed times and the
 * config's {@code created} is the epoch, so building from the same packages twice pushes the same digests.
 */
public final class DistrolessBaseBuilder {

    /** {@code <registry>/distill}: where the bases go when only a registry is given. */
    public static final String DEFAULT_REPOSITORY = "distill";
    static final String EPOCH = "1970-01-01T00:00:00Z";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Debian architecture names to OCI's (GOARCH, plus the variant where OCI wants one). */
    private static final Map<String, String[]> ARCHITECTURES = Map.of(
            "amd64", new String[] {"amd64", null}, "arm64", new String[] {"arm64", "v8"}, "armhf", new String[] {"arm", "v7"},
            "i386", new String[] {"386", null}, "ppc64el", new String[] {"ppc64le", null}, "s390x", new String[] {"s390x", null});

    private final RegistryClient client;
    private final DebDirectory debs;
    private final Path workDirectory;

    /**
     * @param workDirectory where the layer blobs are written before they are pushed; created if missing
     */
    public DistrolessBaseBuilder(RegistryClient client, DebDirectory debs, Path workDirectory) {
        if (client == null || debs == null || workDirectory == null) {
            throw new IllegalArgumentException("the builder needs a client, a deb directory and a work directory, got "
                    + client + ", " + debs + ", " + workDirectory);
        }
        this.client = client;
        this.debs = debs;
        this.workDirectory = workDirectory;
    }

    /**
     * {@code 127.0.0.1:5000} becomes {@code 127.0.0.1:5000/distill}; anything with a repository path is kept.
     *
     * @throws IllegalArgumentException when the prefix is not a registry with an optional repository path
     */
    public static String repositoryPrefix(String prefix) {
        String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        String withRepository = trimmed.contains("/") ? trimmed : trimmed + "/" + DEFAULT_REPOSITORY;
        // Validates the registry and the path the same way a pushed reference will be validated.
        ImageReference.parse(withRepository + "/" + BaseImage.STATIC.flavour() + ":" + BaseVariant.ROOT.tag());
        return withRepository;
    }

    /** The reference a base is pushed to under a prefix, e.g. {@code 127.0.0.1:5000/distill/cc:nonroot}. */
    public static ImageReference reference(String prefix, BaseImage flavour, BaseVariant variant) {
        return ImageReference.parse(repositoryPrefix(prefix) + "/" + flavour.flavour() + ":" + variant.tag());
    }

    /** Builds every layer, then pushes static, base and cc, each as root ({@code latest}) and nonroot. */
    public BaseBuildReport buildAndPush(String prefix) throws IOException, RegistryException {
        String repositoryPrefix = repositoryPrefix(prefix);
        Files.createDirectories(workDirectory);
        List<OmittedEntry> omitted = new ArrayList<>();
        Map<String, BuiltLayer> layers = new LinkedHashMap<>();
        Map<String, String> versions = new LinkedHashMap<>();
        String debianArchitecture = null;
        int certificates = 0;
        byte[] debianOsRelease = null;
        for (String name : DistrolessRecipe.allPackages()) {
            DebianPackage deb = debs.open(name);
            debianArchitecture = sameArchitecture(debianArchitecture, deb);
            versions.put(name, deb.name() + "=" + deb.version());
            LayerTree tree;
            if (name.equals(DistrolessRecipe.CERTIFICATES_PACKAGE)) {
                PackageLayers.Certificates bundle = PackageLayers.certificatesTree(deb, omitted);
                certificates = bundle.count();
                tree = bundle.tree();
            } else {
                tree = PackageLayers.packageTree(deb, omitted);
            }
            if (name.equals("base-files")) {
                debianOsRelease = tree.content(ExtrasLayer.OS_RELEASE);
            }
            layers.put(name, new BuiltLayer("deb " + deb.name() + "=" + deb.version(), write(tree, name)));
        }
        if (debianOsRelease == null) {
            throw new DistrolessBuildException("base-files has no " + ExtrasLayer.OS_RELEASE + " to take the Debian release from");
        }
        BuiltLayer extras = new BuiltLayer("distroless extras: accounts, nsswitch.conf, os-release, /tmp, home directories",
                write(ExtrasLayer.tree(debianOsRelease), "distroless-extras"));
        String[] architecture = ociArchitecture(debianArchitecture);

        ImageUpload upload = new ImageUpload(client);
        Map<Digest, ImageReference> pushedTo = new HashMap<>();
        List<PushedBase> images = new ArrayList<>();
        for (BaseImage flavour : BaseImage.values()) {
            List<BuiltLayer> image = new ArrayList<>();
            List<String> packageVersions = new ArrayList<>();
            for (String name : DistrolessRecipe.packages(flavour)) {
                image.add(layers.get(name));
                packageVersions.add(versions.get(name));
            }
            image.add(extras);
            ImageReference repository = ImageReference.parse(repositoryPrefix + "/" + flavour.flavour());
            for (BaseVariant variant : BaseVariant.values()) {
                List<ImageUpload.Layer> uploads = new ArrayList<>();
                for (BuiltLayer layer : image) {
                    WrittenLayer written = layer.written();
                    ImageReference from = pushedTo.get(written.digest());
                    uploads.add(from == null || from.repository().equals(repository.repository()) ? written.upload()
                            : ImageUpload.Layer.existing(written.descriptor(), written.diffId(), from, written.uncompressedSize()));
                }
                ObjectNode config = config(flavour, variant, architecture, image, packageVersions);
                ImageUpload.Pushed pushed = upload.tag(upload.push(repository, uploads, config, Map.of()), variant.tag());
                for (BuiltLayer layer : image) {
                    pushedTo.putIfAbsent(layer.written().digest(), repository);
                }
                images.add(new PushedBase(flavour, variant, pushed.reference(), pushed.manifestDigest(), pushed.compressedSize(),
                        pushed.uncompressedSize(), image.size()));
            }
        }
        return new BaseBuildReport(images, List.copyOf(versions.values()), certificates, omitted);
    }

    /** A written layer and the history line that says what it is. */
    private record BuiltLayer(String createdBy, WrittenLayer written) {
    }

    private WrittenLayer write(LayerTree tree, String name) throws IOException {
        return tree.write(workDirectory.resolve(name + ".tar.gz"));
    }

    /** OCI's architecture name (and variant, or null) of a Debian architecture. */
    static String[] ociArchitecture(String debianArchitecture) throws DistrolessBuildException {
        String[] architecture = ARCHITECTURES.get(debianArchitecture);
        if (architecture == null) {
            throw new DistrolessBuildException("packages of architecture " + debianArchitecture + ", which has no OCI name here "
                    + ARCHITECTURES.keySet());
        }
        return architecture;
    }

    private static String sameArchitecture(String sofar, DebianPackage deb) throws DistrolessBuildException {
        String architecture = deb.control().architecture();
        if (architecture.isEmpty() || architecture.equals("all")) {
            return sofar;
        }
        if (sofar != null && !sofar.equals(architecture)) {
            throw new DistrolessBuildException("package " + deb + " is for " + architecture + ", the others for " + sofar);
        }
        return architecture;
    }

    private static ObjectNode config(BaseImage flavour, BaseVariant variant, String[] architecture, List<BuiltLayer> layers,
            List<String> packageVersions) {
        ObjectNode config = JSON.createObjectNode();
        config.put("created", EPOCH);
        config.put("architecture", architecture[0]);
        if (architecture[1] != null) {
            config.put("variant", architecture[1]);
        }
        config.put("os", "linux");
        ObjectNode runtime = config.putObject("config");
        runtime.put("User", Integer.toString(variant.uid()));
        ArrayNode env = runtime.putArray("Env");
        env.add("PATH=" + DistrolessRecipe.PATH);
        env.add("SSL_CERT_FILE=" + DistrolessRecipe.SSL_CERT_FILE);
        runtime.put("WorkingDir", variant.workingDir());
        ObjectNode labels = runtime.putObject("Labels");
        labels.put("dev.distill.base", flavour.flavour());
        labels.put("dev.distill.base.variant", variant.tag());
        labels.put("dev.distill.base.packages", String.join(" ", packageVersions));
        ArrayNode history = config.putArray("history");
        for (BuiltLayer layer : layers) {
            ObjectNode step = history.addObject();
            step.put("created", EPOCH);
            step.put("created_by", "distill: " + layer.createdBy());
        }
        return config;
    }
}
