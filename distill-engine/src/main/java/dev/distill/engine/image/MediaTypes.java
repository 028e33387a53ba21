package dev.distill.engine.image;

/**
 * The media types Distill reads and writes. Registries serve both the OCI and the Docker schema 2 flavours
 * of the same structures, so every check here accepts both.
 */
public final class MediaTypes {

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /** Docker schema 1, which we recognise only to reject it with a useful message. */
    public static final String DOCKER_MANIFEST_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
    public static final String DOCKER_MANIFEST_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    private MediaTypes() {
    }

    /** A single-platform image manifest (OCI or Docker schema 2). */
    public static boolean isManifest(String mediaType) {
        return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
    }

    /** A multi-platform index (OCI index or Docker manifest list). */
    public static boolean isIndex(String mediaType) {
        return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
    }

    /** A filesystem layer, compressed or not. */
    public static boolean isLayer(String mediaType) {
        return OCI_LAYER_TAR.equals(mediaType) || OCI_LAYER_TAR_GZIP.equals(mediaType)
                || OCI_LAYER_TAR_ZSTD.equals(mediaType) || DOCKER_LAYER_TAR_GZIP.equals(mediaType);
    }

    /** A container image configuration; anything else in a manifest's config slot is an artifact, not an image. */
    public static boolean isConfig(String mediaType) {
        return OCI_CONFIG.equals(mediaType) || DOCKER_CONFIG.equals(mediaType);
    }

    /** Docker schema 1, signed or not. */
    public static boolean isSchema1(String mediaType) {
        return DOCKER_MANIFEST_SCHEMA1.equals(mediaType) || DOCKER_MANIFEST_SCHEMA1_SIGNED.equals(mediaType);
    }
}
