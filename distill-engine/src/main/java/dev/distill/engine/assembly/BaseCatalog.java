package dev.distill.engine.assembly;

import dev.distill.engine.image.ImageReference;
import dev.distill.engine.plan.BaseImage;

/**
 * Where the distroless bases are, as one reference pattern with {@code {flavour}} ({@code static}, {@code base},
 * {@code cc}), {@code {variant}} ({@code latest} for root, {@code nonroot}) and optionally {@code {registry}} (the
 * source image's registry): upstream {@code gcr.io/distroless/{flavour}-debian12:{variant}}, a mirror, or the
 * bases Distill builds itself ({@code {registry}/distill/{flavour}:{variant}}).
 */
public record BaseCatalog(String pattern) {

    public BaseCatalog {
        if (pattern == null || !pattern.contains("{flavour}")) {
            throw new IllegalArgumentException("a base image pattern needs a {flavour} placeholder, got '" + pattern + "'");
        }
        // Fail at configuration time, not in the middle of a build.
        expand(pattern, BaseImage.CC, true, "registry.invalid:5000");
    }

    /** The base for a flavour, in its nonroot or root variant, for a source in {@code sourceRegistry}. */
    public ImageReference reference(BaseImage flavour, boolean nonroot, String sourceRegistry) {
        return expand(pattern, flavour, nonroot, sourceRegistry);
    }

    private static ImageReference expand(String pattern, BaseImage flavour, boolean nonroot, String sourceRegistry) {
        return ImageReference.parse(pattern.replace("{registry}", sourceRegistry).replace("{flavour}", flavour.flavour())
                .replace("{variant}", nonroot ? "nonroot" : "latest"));
    }
}
