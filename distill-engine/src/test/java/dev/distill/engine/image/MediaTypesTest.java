package dev.distill.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MediaTypesTest {

    @Test
    void classifiesBothOciAndDockerFlavours() {
        assertThat(MediaTypes.isManifest(MediaTypes.OCI_MANIFEST)).isTrue();
        assertThat(MediaTypes.isManifest(MediaTypes.DOCKER_MANIFEST)).isTrue();
        assertThat(MediaTypes.isManifest(MediaTypes.OCI_INDEX)).isFalse();
        assertThat(MediaTypes.isIndex(MediaTypes.OCI_INDEX)).isTrue();
        assertThat(MediaTypes.isIndex(MediaTypes.DOCKER_MANIFEST_LIST)).isTrue();
        assertThat(MediaTypes.isLayer(MediaTypes.OCI_LAYER_TAR)).isTrue();
        assertThat(MediaTypes.isLayer(MediaTypes.OCI_LAYER_TAR_GZIP)).isTrue();
        assertThat(MediaTypes.isLayer(MediaTypes.OCI_LAYER_TAR_ZSTD)).isTrue();
        assertThat(MediaTypes.isLayer(MediaTypes.DOCKER_LAYER_TAR_GZIP)).isTrue();
        assertThat(MediaTypes.isLayer(MediaTypes.OCI_CONFIG)).isFalse();
        assertThat(MediaTypes.isConfig(MediaTypes.DOCKER_CONFIG)).isTrue();
        assertThat(MediaTypes.isSchema1(MediaTypes.DOCKER_MANIFEST_SCHEMA1_SIGNED)).isTrue();
        assertThat(MediaTypes.isManifest(null)).isFalse();
    }
}
