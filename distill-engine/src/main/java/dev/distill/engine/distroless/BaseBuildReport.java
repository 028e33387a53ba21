package dev.distill.engine.distroless;

import java.util.List;

/**
 * What a build of the bases pushed and what it was made of.
 *
 * @param images the six images, static/base/cc each as root and nonroot
 * @param packages {@code name=version} of every package used, in layer order
 * @param certificates how many CA certificates the bundle holds
 * @param omitted what packages ship that no layer carries, and why
 */
public record BaseBuildReport(List<PushedBase> images, List<String> packages, int certificates, List<OmittedEntry> omitted) {

    public BaseBuildReport {
        images = List.copyOf(images);
        packages = List.copyOf(packages);
        omitted = List.copyOf(omitted);
    }
}
