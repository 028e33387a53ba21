package dev.distill.engine.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.image.Platform;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads manifests, indexes and the platform fields of image configs. Every method throws
 * {@link IllegalArgumentException} with what is wrong; the client turns that into a PROTOCOL error that names
 * the image.
 */
final class ManifestJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Content types that say nothing about the manifest kind; some registries and proxies send them. */
    private static final Set<String> GENERIC = Set.of("", "application/json", "application/octet-stream", "text/plain");

    /** A single-platform manifest: its config and layers. */
    record Manifest(Descriptor config, List<Descriptor> layers) {
    }

    private ManifestJson() {
    }

    /**
     * The media type of a manifest body: the {@code Content-Type} when it is specific, else what the body
     * says about itself. Schema 1 is recognised by its {@code schemaVersion} even when mislabelled.
     */
    /** A content descriptor as manifests write it: media type, digest, size. */
    static com.fasterxml.jackson.databind.node.ObjectNode descriptor(String mediaType, Digest digest, long size) {
        com.fasterxml.jackson.databind.node.ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", digest.toString());
        d.put("size", size);
        return d;
    }

    static String mediaType(String contentType, byte[] body) {
        String declared = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!GENERIC.contains(declared)) {
            return declared;
        }
        JsonNode root = object(body, "manifest");
        if (root.path("schemaVersion").asInt() == 1) {
            return MediaTypes.DOCKER_MANIFEST_SCHEMA1;
        }
        if (root.path("mediaType").isTextual()) {
            return root.path("mediaType").asText();
        }
        // OCI made mediaType optional in early versions; the shape tells index from manifest.
        if (root.has("manifests")) {
            return MediaTypes.OCI_INDEX;
        }
        if (root.has("config") || root.has("layers")) {
            return MediaTypes.OCI_MANIFEST;
        }
        return declared.isEmpty() ? "(none)" : declared;
    }

    static boolean isSchema1(byte[] body) {
        try {
            return JSON.readTree(body).path("schemaVersion").asInt() == 1;
        } catch (IOException e) {
            return false;
        }
    }

    /** The entries of an index or manifest list, with their platforms. */
    static List<Descriptor> indexEntries(byte[] body) {
        JsonNode root = object(body, "index");
        JsonNode manifests = root.path("manifests");
        if (!manifests.isArray()) {
            throw new IllegalArgumentException("the index has no 'manifests' list");
        }
        List<Descriptor> out = new ArrayList<>();
        for (JsonNode entry : manifests) {
            out.add(descriptor(entry, "index entry " + out.size(), true));
        }
        return out;
    }

    static Manifest manifest(byte[] body) {
        JsonNode root = object(body, "manifest");
        if (!root.path("config").isObject()) {
            throw new IllegalArgumentException("the manifest has no 'config' descriptor");
        }
        Descriptor config = descriptor(root.path("config"), "config", false);
        JsonNode layersNode = root.path("layers");
        if (!layersNode.isArray()) {
            throw new IllegalArgumentException("the manifest has no 'layers' list");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode layer : layersNode) {
            layers.add(descriptor(layer, "layer " + layers.size(), false));
        }
        return new Manifest(config, layers);
    }

    /** The platform an image config declares, or null when it declares none (or one we cannot represent). */
    static Platform configPlatform(byte[] config) {
        JsonNode root = object(config, "image config");
        return platform(root);
    }

    private static Platform platform(JsonNode node) {
        String os = node.path("os").asText("");
        String architecture = node.path("architecture").asText("");
        String variant = node.path("variant").asText("");
        if (os.isEmpty() || architecture.isEmpty()) {
            return null;
        }
        try {
            return new Platform(os, architecture, variant.isEmpty() ? null : variant);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Descriptor descriptor(JsonNode node, String where, boolean withPlatform) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + " is not a JSON object: " + node);
        }
        String mediaType = node.path("mediaType").asText("");
        if (mediaType.isEmpty()) {
            throw new IllegalArgumentException(where + " has no mediaType");
        }
        Digest digest;
        try {
            digest = Digest.parse(node.path("digest").asText(null));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " has a bad digest: " + e.getMessage(), e);
        }
        if (!node.path("size").isIntegralNumber() || node.path("size").asLong() < 0) {
            throw new IllegalArgumentException(where + " has no valid size: " + node.path("size"));
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        node.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
        Platform platform = withPlatform && node.path("platform").isObject() ? platform(node.path("platform")) : null;
        return new Descriptor(mediaType, digest, node.path("size").asLong(), platform, annotations);
    }

    private static JsonNode object(byte[] body, String what) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the " + what + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("the " + what + " could not be read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the " + what + " is not a JSON object");
        }
        return root;
    }
}
