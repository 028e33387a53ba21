package dev.distill.pipeline.metrics;

import dev.distill.engine.detect.surface.SurfaceResult;
import java.util.Arrays;
import java.util.Locale;

/**
 * The kinds of attack surface a build leaves behind, as a bounded label: the analysis' own categories
 * ({@link SurfaceResult.Category}), and {@code other} for a kind an event names that this version does not know.
 *
 * @param value the label value, e.g. {@code shell}
 */
public record SurfaceKind(String value) {

    public static final SurfaceKind OTHER = new SurfaceKind("other");

    /** The label of an {@code ImageBuilt.Item.kind()}, such as {@code SHELL}. */
    public static SurfaceKind of(String kind) {
        return Arrays.stream(SurfaceResult.Category.values())
                .filter(c -> c.name().equals(kind))
                .findFirst()
                .map(c -> new SurfaceKind(c.name().toLowerCase(Locale.ROOT)))
                .orElse(OTHER);
    }
}
