package dev.distill.engine.assembly;

import dev.distill.engine.image.ImageReference;
import dev.distill.engine.plan.BaseImage;

/**
 * Where the distroless bases are, as one reference pattern with {@code {flavour}} ({@code static}, {@code base},
 * {@code cc}) and {@code {variant}} ({@code latest} for root, {@code nonroot}): upstream
 * {@code gcr.io/distroless/{flavour}-debian12:{variant}}, a mirror, or the bases Distill builds itself.
 */
public record BaseCatalog(String pattern) {

    public BaseCatalog {
        if (pattern == null || !pattern.contains("{flavour}")) {
            throw new IllegalArgumentException("a base image pattern needs a {flavour} placeholder, got '" + pattern + "'");
        }
        // Fail at configuration time, not in the middle of a build.
        ImageReference.parse(pattern.replace("{flavour}", "cc").replace("{variant}", "nonroot"));
    }

    /** The base for a flavour, in its nonroot or root variant. */
    public ImageReference reference(BaseImage flavour, boolean nonroot) {
        return ImageReference.parse(pattern.replace("{flavour}", flavour.flavour())
                .replace("{variant}", nonroot ? "nonroot" : "latest"));
    }
}
