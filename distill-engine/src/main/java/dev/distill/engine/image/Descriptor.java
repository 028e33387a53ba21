package dev.distill.engine.image;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An OCI content descriptor: what a manifest or index says about one blob or child manifest.
 *
 * @param platform only set on the entries of an index; {@code null} elsewhere
 * @param annotations never null; keeps the order the registry wrote
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform, Map<String, String> annotations) {

    public Descriptor {
        if (mediaType == null || mediaType.isBlank()) {
            throw new IllegalArgumentException("descriptor needs a media type, got '" + mediaType + "'");
        }
        if (digest == null) {
            throw new IllegalArgumentException("descriptor of media type " + mediaType + " needs a digest");
        }
        if (size < 0) {
            throw new IllegalArgumentException("descriptor " + digest + " has a negative size: " + size);
        }
        annotations = copy(annotations, digest);
    }

    /** A descriptor without platform or annotations, as manifests write their config and layers. */
    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null, Map.of());
    }

    private static Map<String, String> copy(Map<String, String> annotations, Digest digest) {
        if (annotations == null || annotations.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        annotations.forEach((key, value) -> {
            if (key == null || value == null) {
                throw new IllegalArgumentException("descriptor " + digest + " has an annotation with a null key or value: "
                        + key + "=" + value);
            }
            copy.put(key, value);
        });
        return Collections.unmodifiableMap(copy);
    }
}
