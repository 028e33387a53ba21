package dev.distill.engine.sbom;

import dev.distill.engine.image.Digest;
import dev.distill.engine.packages.CarriedPackage;
import dev.distill.engine.packages.InstalledPackage;
import java.util.List;

/**
 * What one result image holds, for its SBOM.
 *
 * @param result the image the SBOM describes
 * @param base the distroless base it was built on
 * @param source the image it was made from: its ancestor
 * @param program the program the image runs
 * @param sourceDistro the source's OS, for the package URLs of its packages ({@code debian-12}); null if unknown
 * @param baseDistro the base's OS, for its packages' URLs; null if unknown
 * @param packages the source's packages the image carries files of
 * @param basePackages the packages the base's own records list
 * @param unpackaged the carried files no package of the source owns
 * @param toolVersion Distill's version
 */
public record ImageContents(Image result, Image base, Image source, String program, Distro sourceDistro, Distro baseDistro,
        List<CarriedPackage> packages, List<InstalledPackage> basePackages, List<LooseFile> unpackaged, String toolVersion) {

    public ImageContents {
        if (result == null || base == null || source == null) {
            throw new IllegalArgumentException("an SBOM needs the result, its base and its source, got " + result + ", "
                    + base + ", " + source);
        }
        packages = packages == null ? List.of() : List.copyOf(packages);
        basePackages = basePackages == null ? List.of() : List.copyOf(basePackages);
        unpackaged = unpackaged == null ? List.of() : List.copyOf(unpackaged);
        toolVersion = toolVersion == null || toolVersion.isBlank() ? "dev" : toolVersion;
    }

    /**
     * An image by repository and digest.
     *
     * @param repository {@code host[:port]/path}, without tag or digest
     * @param tag its tag, or null
     * @param architecture OCI architecture ({@code amd64}), or null
     */
    public record Image(String repository, String tag, Digest digest, String architecture) {

        public Image {
            if (repository == null || repository.isBlank() || digest == null) {
                throw new IllegalArgumentException("an image needs a repository and a digest, got '" + repository + "' " + digest);
            }
        }

        /** {@code repository:tag@digest}, or {@code repository@digest}. */
        public String reference() {
            return repository + (tag == null ? "" : ":" + tag) + "@" + digest;
        }
    }

    /** An OS as os-release names it ({@code ID=debian}, {@code VERSION_ID=12}). */
    public record Distro(String id, String versionId) {

        /** {@code debian-12}; the id alone without a version. */
        public String qualifier() {
            return versionId == null || versionId.isBlank() ? id : id + "-" + versionId;
        }
    }

    /**
     * A carried file of no package.
     *
     * @param linkTarget for a symlink, its target; null for a file
     * @param sha256 for a regular file, its SHA-256 in hex; null otherwise
     * @param sha1 for a regular file, its SHA-1 in hex (SPDX requires one); null otherwise
     * @param reason why the image carries it (the plan's reason)
     */
    public record LooseFile(String path, long size, String linkTarget, String sha256, String sha1, String reason) {

        public LooseFile {
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("a file needs an absolute path, got '" + path + "'");
            }
        }
    }
}
