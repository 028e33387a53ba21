package dev.distill.engine.assembly;

import java.util.List;

/**
 * What a result image holds of its source, as scanners and people will want to know it: the source's packages it
 * carries files of (in full or in part) and where their records are in the image, the carried files of no
 * package, and where its SBOMs are.
 *
 * @param packageDatabase which records the image got: {@code dpkg (/var/lib/dpkg/status.d)}, {@code apk
 *     (/lib/apk/db/installed)} or {@code none}
 * @param unpackaged the carried files (not directories) no package of the source owns
 * @param notes what a person should know about the records (a package the base records too, a record under
 *     another name)
 * @param sbom the SBOMs attached to the image; null when none was attached
 */
public record ResultContents(String packageDatabase, List<Package> packages, List<String> unpackaged, List<String> notes,
        Sbom sbom) {

    public static final ResultContents NONE = new ResultContents("none", List.of(), List.of(), List.of(), null);

    public ResultContents {
        packages = packages == null ? List.of() : List.copyOf(packages);
        unpackaged = unpackaged == null ? List.of() : List.copyOf(unpackaged);
        notes = notes == null ? List.of() : List.copyOf(notes);
    }

    public ResultContents withSbom(Sbom attached) {
        return new ResultContents(packageDatabase, packages, unpackaged, notes, attached);
    }

    /**
     * One package of the source in the image.
     *
     * @param partial whether only some of its files are carried
     * @param record where its record is in the image ({@code /var/lib/dpkg/status.d/libxml2}), or why there is none
     *     of its own ("recorded by the base")
     */
    public record Package(String name, String version, String architecture, boolean partial, int filesCarried,
            int filesTotal, long bytesCarried, long bytesTotal, List<String> licenses, String record) {

        public Package {
            licenses = licenses == null ? List.of() : List.copyOf(licenses);
        }
    }

    /**
     * The SBOMs attached to the image as OCI referrers (artifact manifests whose subject is the image).
     *
     * @param cyclonedx where the CycloneDX 1.6 JSON is ({@code registry/repository@sha256:<blob>})
     * @param cyclonedxManifest the digest of its artifact manifest (the referrer)
     * @param spdx where the SPDX 2.3 JSON is
     * @param spdxManifest the digest of its artifact manifest
     * @param discovery how a client finds them: {@code referrers API} or {@code tag schema (sha256-<hex>)}
     */
    public record Sbom(String cyclonedx, String cyclonedxManifest, String spdx, String spdxManifest, String discovery) {
    }
}
