package dev.distill.engine.distroless;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import java.util.List;

/**
 * What a build of the Java base pushed and what it carries.
 *
 * @param images {@code java17:latest} (uid 0), {@code java17:nonroot}, and the verifier's {@code java17-runc:latest}
 * @param base the {@code cc} image each was built on, pinned
 * @param javaHome the runtime's home directory
 * @param packages {@code name=version} of the runtime and of every package a file was taken from (for the Java base,
 *     then for the verifier's tools)
 * @param libraries per package taken in part, the files (and links) a closure took
 * @param unused library packages of the Java runtime's recipe nothing in its closure needed
 * @param certificates the CA certificates in the Java trust store
 * @param omitted what the packages ship that no layer carries, and why
 */
public record JavaBaseReport(List<Image> images, ImageReference base, String javaHome, List<String> packages,
        List<Carried> libraries, List<String> unused, int certificates, List<OmittedEntry> omitted) {

    public JavaBaseReport {
        images = List.copyOf(images);
        packages = List.copyOf(packages);
        libraries = List.copyOf(libraries);
        unused = List.copyOf(unused);
        omitted = List.copyOf(omitted);
    }

    /** One pushed image: {@code <flavour>:<variant tag>}. */
    public record Image(String flavour, BaseVariant variant, ImageReference reference, Digest manifestDigest,
            long compressedSize, int layers) {
    }

    /** The files taken from one library package. */
    public record Carried(String packageVersion, List<String> paths) {

        public Carried {
            paths = List.copyOf(paths);
        }
    }
}
