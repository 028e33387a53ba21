package dev.distill.engine.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.budget.ParallelTasks;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Pushes an image made of layers that already exist in some repository and layers written locally: blobs first
 * (cross-repository mounted when they live on the same registry, so a base is never uploaded twice), then the
 * config, then the manifest by digest. A tag is set only by {@link #tag}, once everything it names is in place,
 * so a push that fails midway never leaves a tag pointing at a half-pushed image.
 *
 * <p>The blobs of one image (its layers and its config) need nothing from each other: they go up a few at a time,
 * and a blob an earlier push of the same {@link PushedBlobs} made sure of is not asked about again.
 */
public final class ImageUpload {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Blobs of one image pushed at a time: a few, as each is mostly a wait on the registry. */
    static final int BLOBS_AT_ONCE = 4;

    private final RegistryClient client;
    private final PushedBlobs blobs;

    /** An upload that knows nothing pushed yet. */
    public ImageUpload(RegistryClient client) {
        this(client, new PushedBlobs());
    }

    /** @param blobs what the work this push belongs to (its other images) has made sure of already */
    public ImageUpload(RegistryClient client, PushedBlobs blobs) {
        this.client = Objects.requireNonNull(client, "client");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
    }

    /**
     * One layer of the image to push: where its bytes are (a local file, or a repository to mount or copy from).
     *
     * @param from the repository that holds the blob; null for a locally written layer
     * @param file the compressed blob on disk; null for a layer that exists in {@code from}
     * @param uncompressedSize the size of the layer's tar, or -1 when not known
     */
    public record Layer(Descriptor descriptor, Digest diffId, ImageReference from, Path file, long uncompressedSize) {

        public Layer {
            if (descriptor == null || diffId == null) {
                throw new IllegalArgumentException("a layer needs its descriptor and diffID, got " + descriptor + ", " + diffId);
            }
            if ((from == null) == (file == null)) {
                throw new IllegalArgumentException("layer " + descriptor.digest()
                        + " needs exactly one origin, a repository or a file, got " + from + " and " + file);
            }
        }

        /** A layer written locally (see {@code WrittenLayer#upload()}), uploaded from its file. */
        public static Layer file(Descriptor descriptor, Digest diffId, Path file, long uncompressedSize) {
            return new Layer(descriptor, diffId, null, file, uncompressedSize);
        }

        public static Layer existing(Descriptor descriptor, Digest diffId, ImageReference from) {
            return existing(descriptor, diffId, from, -1);
        }

        public static Layer existing(Descriptor descriptor, Digest diffId, ImageReference from, long uncompressedSize) {
            return new Layer(descriptor, diffId, from, null, uncompressedSize);
        }
    }

    /**
     * What was pushed.
     *
     * @param reference the repository with the manifest digest, plus the tag once {@link #tag} set one
     * @param manifest the manifest bytes, kept so a tag can be set later without fetching them again
     * @param compressedSize the sum of the layer blobs' sizes
     * @param uncompressedSize the sum of the layers' tar sizes; -1 when a layer's size was not known
     */
    public record Pushed(ImageReference reference, Digest manifestDigest, byte[] manifest, Digest configDigest,
            long compressedSize, long uncompressedSize) {
    }

    /**
     * Pushes the blobs, the config and the manifest, untagged.
     *
     * @param repository where the image goes; a tag or digest on it is ignored
     * @param config the OCI image config; its {@code rootfs} is set here from the layers' diffIDs
     * @param manifestAnnotations annotations of the manifest, written sorted by key
     */
    public Pushed push(ImageReference repository, List<Layer> layers, ObjectNode config,
            Map<String, String> manifestAnnotations) throws RegistryException, IOException {
        ImageReference target = new ImageReference(repository.registry(), repository.repository(), null, null);
        long compressed = 0;
        long uncompressed = 0;
        ObjectNode withRootfs = config.deepCopy();
        ObjectNode rootfs = JSON.createObjectNode();
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        for (Layer layer : layers) {
            compressed += layer.descriptor().size();
            uncompressed = uncompressed < 0 || layer.uncompressedSize() < 0 ? -1 : uncompressed + layer.uncompressedSize();
            diffIds.add(layer.diffId().toString());
        }
        withRootfs.set("rootfs", rootfs);
        byte[] configBytes = JSON.writeValueAsBytes(withRootfs);
        Digest configDigest = Digest.sha256(configBytes);
        // The config names the layers by diffID only: it goes up beside them. The manifest waits for all of them.
        List<ParallelTasks.Task<Void, RegistryException>> uploads = new ArrayList<>();
        for (Layer layer : layers) {
            uploads.add(() -> {
                pushLayer(target, layer);
                return null;
            });
        }
        uploads.add(() -> {
            blobs.ensure(client, target, configDigest, () -> client.pushBlob(target, configDigest, configBytes.length,
                    () -> new java.io.ByteArrayInputStream(configBytes)));
            return null;
        });
        ParallelTasks.all("distill-push-blobs", BLOBS_AT_ONCE, uploads);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
        manifest.set("config", ManifestJson.descriptor(MediaTypes.OCI_CONFIG, configDigest, configBytes.length));
        ArrayNode list = manifest.putArray("layers");
        for (Layer layer : layers) {
            list.add(ManifestJson.descriptor(layer.descriptor().mediaType(), layer.descriptor().digest(), layer.descriptor().size()));
        }
        if (manifestAnnotations != null && !manifestAnnotations.isEmpty()) {
            ObjectNode annotations = manifest.putObject("annotations");
            new TreeMap<>(manifestAnnotations).forEach(annotations::put);
        }
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        Digest manifestDigest = Digest.sha256(manifestBytes);
        // By digest only: ImageReference defaults a missing tag to "latest", and pushManifest puts a reference
        // with a tag under that tag, which would move "latest" before (and whether or not) tag() is called.
        ImageReference byDigest = new ImageReference(target.registry(), target.repository(), null, manifestDigest);
        client.pushManifest(byDigest, MediaTypes.OCI_MANIFEST, manifestBytes);
        return new Pushed(byDigest, manifestDigest, manifestBytes, configDigest, compressed, uncompressed);
    }

    /** Points {@code tag} at a pushed image: the last step of a push, and the only one anybody pulling sees. */
    public Pushed tag(Pushed image, String tag) throws RegistryException {
        ImageReference tagged = new ImageReference(image.reference().registry(), image.reference().repository(), tag, null);
        client.pushManifest(tagged, MediaTypes.OCI_MANIFEST, image.manifest());
        return new Pushed(new ImageReference(tagged.registry(), tagged.repository(), tag, image.manifestDigest()),
                image.manifestDigest(), image.manifest(), image.configDigest(), image.compressedSize(), image.uncompressedSize());
    }

    private void pushLayer(ImageReference target, Layer layer) throws RegistryException {
        blobs.ensure(client, target, layer.descriptor().digest(), () -> upload(target, layer));
    }

    /** Puts a layer the target does not have there: from its file, or mounted or copied from its repository. */
    private void upload(ImageReference target, Layer layer) throws RegistryException {
        Digest digest = layer.descriptor().digest();
        if (layer.file() != null) {
            client.pushBlob(target, digest, layer.descriptor().size(), () -> open(layer.file()));
            return;
        }
        ImageReference from = layer.from();
        if (sameRegistry(from, target) && client.mountBlob(target, from, digest)) {
            return;
        }
        // Another registry (or a mount the registry declined): copy the bytes through, verified on the way.
        client.pushBlob(target, digest, layer.descriptor().size(), () -> {
            try {
                return client.openBlob(from, layer.descriptor());
            } catch (RegistryException e) {
                throw new UncheckedIOException(new IOException("cannot read blob " + digest + " from "
                        + from.repositoryLocation() + ": " + e.getMessage(), e));
            }
        });
    }

    private static boolean sameRegistry(ImageReference a, ImageReference b) {
        return RegistryTransport.apiHost(a.registry()).equals(RegistryTransport.apiHost(b.registry()));
    }

    private static java.io.InputStream open(Path file) {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
