package dev.distill.engine.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.image.Platform;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A minimal valid image built in memory: one gzip tar layer with a few files, a config with the runtime
 * fields Distill cares about, and a manifest; OCI media types unless built with {@link Builder#dockerMediaTypes()}.
 * The same builder input always gives the same digests. {@link #push} and {@link #pushIndex} put it into a
 * registry with {@link RegistryClient}.
 *
 * <pre>{@code
 * TinyImage image = TinyImage.sample(Platform.LINUX_AMD64);
 * Digest digest = image.push(client, ImageReference.parse("127.0.0.1:5000/demo/app:1"));
 * }</pre>
 */
public final class TinyImage {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EPOCH = "1970-01-01T00:00:00Z";

    private final Platform platform;
    private final boolean docker;
    private final Map<String, byte[]> files;
    private final ImageConfig imageConfig;
    private final byte[] layer;
    private final Digest diffId;
    private final byte[] config;
    private final byte[] manifest;

    private TinyImage(Builder builder) {
        this.platform = builder.platform;
        this.docker = builder.docker;
        this.files = Collections.unmodifiableMap(new LinkedHashMap<>(builder.files));
        this.imageConfig = new ImageConfig(builder.entrypoint, builder.cmd, builder.user, builder.env,
                builder.exposedPorts, builder.workingDir, builder.stopSignal, builder.labels, builder.volumes);
        byte[] tar = builder.tar.finish();
        this.diffId = Digest.sha256(tar);
        this.layer = gzip(tar);
        this.config = configJson();
        this.manifest = manifestJson();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A populated image for the given platform: a script and a text file under {@code /app}, a symlink, and a
     * config with entrypoint, cmd, env, an exposed port, a non-root user, a working directory and a label.
     */
    public static TinyImage sample(Platform platform) {
        return builder()
                .platform(platform)
                .file("/app/hello.sh", "#!/bin/sh\necho hello from " + platform + "\n", 0755)
                .file("/app/greeting.txt", "hello\n")
                .symlink("/usr/local/bin/hello", "/app/hello.sh")
                .entrypoint("/app/hello.sh")
                .cmd("--name", "distill")
                .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                .env("GREETING", "hello")
                .exposedPort("8080/tcp")
                .user("65532:65532")
                .workingDir("/app")
                .stopSignal("SIGQUIT")
                .label("org.opencontainers.image.title", "tiny")
                .volume("/data")
                .build();
    }

    public Platform platform() {
        return platform;
    }

    /** The runtime configuration the config JSON carries, as a registry client should parse it back. */
    public ImageConfig imageConfig() {
        return imageConfig;
    }

    /** The files of the layer by absolute path (directories and symlinks left out). */
    public Map<String, byte[]> files() {
        return files;
    }

    /** The compressed layer blob (gzip of a ustar archive). */
    public byte[] layer() {
        return layer.clone();
    }

    public Descriptor layerDescriptor() {
        return new Descriptor(docker ? MediaTypes.DOCKER_LAYER_TAR_GZIP : MediaTypes.OCI_LAYER_TAR_GZIP,
                Digest.sha256(layer), layer.length);
    }

    /** The digest of the uncompressed layer, as the config's {@code rootfs.diff_ids} lists it. */
    public Digest diffId() {
        return diffId;
    }

    public byte[] config() {
        return config.clone();
    }

    public Descriptor configDescriptor() {
        return new Descriptor(docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
    }

    public byte[] manifest() {
        return manifest.clone();
    }

    public String manifestMediaType() {
        return docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST;
    }

    public Digest manifestDigest() {
        return Digest.sha256(manifest);
    }

    /** The manifest as an index entry: with this image's platform. */
    public Descriptor manifestDescriptor() {
        return new Descriptor(manifestMediaType(), manifestDigest(), manifest.length, platform, Map.of());
    }

    /**
     * Pushes layer, config and manifest (blobs the repository has already are skipped) and tags the manifest
     * with the reference's tag, or stores it by digest when the reference has none.
     *
     * @return the manifest digest
     */
    public Digest push(RegistryClient client, ImageReference reference) throws RegistryException {
        pushBlobs(client, reference);
        return client.pushManifest(reference, manifestMediaType(), manifest);
    }

    /**
     * Pushes each image by digest, then an index (OCI, or a Docker manifest list when the first image uses
     * Docker media types) of them under the reference.
     *
     * @return the index digest
     */
    public static Digest pushIndex(RegistryClient client, ImageReference reference, TinyImage... images) throws RegistryException {
        for (TinyImage image : images) {
            image.pushBlobs(client, reference);
            ImageReference byDigest = new ImageReference(reference.registry(), reference.repository(), null, image.manifestDigest());
            client.pushManifest(byDigest, image.manifestMediaType(), image.manifest);
        }
        return client.pushManifest(reference, indexMediaType(images), index(images));
    }

    public static String indexMediaType(TinyImage... images) {
        return images.length > 0 && images[0].docker ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX;
    }

    /** The index JSON listing the images with their platforms. */
    public static byte[] index(TinyImage... images) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", indexMediaType(images));
        ArrayNode manifests = root.putArray("manifests");
        for (TinyImage image : images) {
            ObjectNode entry = descriptor(image.manifestDescriptor());
            ObjectNode platform = entry.putObject("platform");
            platform.put("architecture", image.platform.architecture());
            platform.put("os", image.platform.os());
            if (image.platform.variant() != null) {
                platform.put("variant", image.platform.variant());
            }
            manifests.add(entry);
        }
        return bytes(root);
    }

    private void pushBlobs(RegistryClient client, ImageReference reference) throws RegistryException {
        for (Map.Entry<Descriptor, byte[]> blob : Map.of(layerDescriptor(), layer, configDescriptor(), config).entrySet()) {
            Descriptor descriptor = blob.getKey();
            if (!client.blobExists(reference, descriptor.digest())) {
                client.pushBlob(reference, descriptor.digest(), descriptor.size(), () -> new ByteArrayInputStream(blob.getValue()));
            }
        }
    }

    private byte[] configJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("created", EPOCH);
        root.put("architecture", platform.architecture());
        root.put("os", platform.os());
        if (platform.variant() != null) {
            root.put("variant", platform.variant());
        }
        ObjectNode config = root.putObject("config");
        if (!imageConfig.user().isEmpty()) {
            config.put("User", imageConfig.user());
        }
        if (!imageConfig.exposedPorts().isEmpty()) {
            ObjectNode ports = config.putObject("ExposedPorts");
            imageConfig.exposedPorts().forEach(port -> ports.putObject(port));
        }
        if (!imageConfig.env().isEmpty()) {
            imageConfig.env().forEach(config.putArray("Env")::add);
        }
        if (!imageConfig.entrypoint().isEmpty()) {
            imageConfig.entrypoint().forEach(config.putArray("Entrypoint")::add);
        }
        if (!imageConfig.cmd().isEmpty()) {
            imageConfig.cmd().forEach(config.putArray("Cmd")::add);
        }
        if (!imageConfig.volumes().isEmpty()) {
            ObjectNode volumes = config.putObject("Volumes");
            imageConfig.volumes().forEach(volumes::putObject);
        }
        if (!imageConfig.workingDir().isEmpty()) {
            config.put("WorkingDir", imageConfig.workingDir());
        }
        if (!imageConfig.labels().isEmpty()) {
            ObjectNode labels = config.putObject("Labels");
            imageConfig.labels().forEach(labels::put);
        }
        if (!imageConfig.stopSignal().isEmpty()) {
            config.put("StopSignal", imageConfig.stopSignal());
        }
        ObjectNode rootfs = root.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add(diffId.toString());
        ObjectNode history = root.putArray("history").addObject();
        history.put("created", EPOCH);
        history.put("created_by", "distill TinyImage");
        return bytes(root);
    }

    private byte[] manifestJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", manifestMediaType());
        root.set("config", descriptor(configDescriptor()));
        root.putArray("layers").add(descriptor(layerDescriptor()));
        return bytes(root);
    }

    private static ObjectNode descriptor(Descriptor descriptor) {
        ObjectNode node = JSON.createObjectNode();
        node.put("mediaType", descriptor.mediaType());
        node.put("digest", descriptor.digest().toString());
        node.put("size", descriptor.size());
        return node;
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    // GZIPOutputStream writes a zero mtime, so equal input gives equal bytes.
    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Collects files and config; paths are absolute, parents are created as directories (0755). */
    public static final class Builder {

        private final TarWriter tar = new TarWriter();
        private final Map<String, byte[]> files = new LinkedHashMap<>();
        private Platform platform = Platform.LINUX_AMD64;
        private boolean docker;
        private List<String> entrypoint = List.of();
        private List<String> cmd = List.of();
        private String user = "";
        private final List<String> env = new ArrayList<>();
        private final List<String> exposedPorts = new ArrayList<>();
        private String workingDir = "";
        private String stopSignal = "";
        private final Map<String, String> labels = new LinkedHashMap<>();
        private final List<String> volumes = new ArrayList<>();

        private Builder() {
        }

        public Builder platform(Platform platform) {
            if (platform == null) {
                throw new IllegalArgumentException("a tiny image needs a platform, got null");
            }
            this.platform = platform;
            return this;
        }

        /** Docker schema 2 media types instead of OCI (manifest, config, layer, and manifest list for an index). */
        public Builder dockerMediaTypes() {
            this.docker = true;
            return this;
        }

        public Builder file(String path, String content) {
            return file(path, content.getBytes(StandardCharsets.UTF_8), 0644);
        }

        public Builder file(String path, byte[] content, int mode) {
            tar.file(path, content, mode);
            files.put(absolute(path), content.clone());
            return this;
        }

        public Builder file(String path, String content, int mode) {
            return file(path, content.getBytes(StandardCharsets.UTF_8), mode);
        }

        public Builder directory(String path) {
            tar.directory(path, 0755);
            return this;
        }

        public Builder symlink(String path, String target) {
            tar.symlink(path, target);
            return this;
        }

        public Builder entrypoint(String... args) {
            this.entrypoint = Arrays.asList(args.clone());
            return this;
        }

        public Builder cmd(String... args) {
            this.cmd = Arrays.asList(args.clone());
            return this;
        }

        public Builder env(String name, String value) {
            env.add(name + "=" + value);
            return this;
        }

        /** As the config writes it, e.g. {@code 8080/tcp}. */
        public Builder exposedPort(String port) {
            exposedPorts.add(port);
            return this;
        }

        public Builder user(String user) {
            this.user = user;
            return this;
        }

        public Builder workingDir(String workingDir) {
            this.workingDir = workingDir;
            return this;
        }

        public Builder stopSignal(String stopSignal) {
            this.stopSignal = stopSignal;
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        public Builder volume(String path) {
            volumes.add(path);
            return this;
        }

        public TinyImage build() {
            return new TinyImage(this);
        }

        private static String absolute(String path) {
            return path.startsWith("/") ? path : "/" + path;
        }
    }
}
