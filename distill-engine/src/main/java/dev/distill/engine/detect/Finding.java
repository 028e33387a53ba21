package dev.distill.engine.detect;

import java.util.Map;
import java.util.Objects;

/**
 * One observation of a detector about one path of the image.
 *
 * @param path the image path it concerns ({@code ""} for the image configuration itself)
 * @param layer the digest of the layer that path comes from ({@code ""} when the path does not exist or the
 *     finding is about the image configuration)
 * @param line the 1-based line in that file the finding is about, 0 when none
 * @param reason a sentence a person can act on
 * @param data optional machine-readable details (never null)
 */
public record Finding(Kind kind, String detector, String path, String layer, int line, String reason,
                      Map<String, String> data) {

    /** How much a finding matters to a migration. */
    public enum Kind {
        /** A fact the builder or a person can use. */
        INFO,
        /** Something that may need attention but does not stop a migration. */
        WARNING,
        /** The image cannot be made distroless automatically for this reason. */
        BLOCKER,
        /** A file could not be read or parsed; what it would have said is unknown. */
        ERROR
    }

    public Finding {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detector, "detector");
        Objects.requireNonNull(reason, "reason");
        path = path == null ? "" : path;
        layer = layer == null ? "" : layer;
        data = data == null ? Map.of() : Map.copyOf(data);
    }

    @Override
    public String toString() {
        return kind + " " + detector + " " + (path.isEmpty() ? "(config)" : path) + (line > 0 ? ":" + line : "")
                + (layer.isEmpty() ? "" : " [" + layer + "]") + ": " + reason + (data.isEmpty() ? "" : " " + data);
    }
}
