package dev.distill.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DescriptorTest {

    private static final Digest DIGEST = Digest.sha256(new byte[0]);

    @Test
    void copiesAnnotationsKeepingOrder() {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("z", "1");
        annotations.put("a", "2");
        Descriptor descriptor = new Descriptor(MediaTypes.OCI_MANIFEST, DIGEST, 10, Platform.LINUX_AMD64, annotations);
        annotations.put("later", "3");

        assertThat(descriptor.annotations().keySet()).containsExactly("z", "a");
        assertThat(new Descriptor(MediaTypes.OCI_CONFIG, DIGEST, 0).annotations()).isEmpty();
        assertThat(new Descriptor(MediaTypes.OCI_CONFIG, DIGEST, 0, null, null).annotations()).isEmpty();
    }

    @Test
    void rejectsBadValuesNamingThem() {
        assertThatThrownBy(() -> new Descriptor(" ", DIGEST, 1)).hasMessageContaining("' '");
        assertThatThrownBy(() -> new Descriptor(MediaTypes.OCI_CONFIG, null, 1)).hasMessageContaining(MediaTypes.OCI_CONFIG);
        assertThatThrownBy(() -> new Descriptor(MediaTypes.OCI_CONFIG, DIGEST, -5)).hasMessageContaining("-5");
    }

    @Test
    void resolvedImageRejectsMissingFields() {
        ImageReference reference = ImageReference.parse("host:5000/app:1");
        Descriptor config = new Descriptor(MediaTypes.OCI_CONFIG, DIGEST, 2);
        ResolvedImage image = new ResolvedImage(reference, DIGEST, DIGEST, MediaTypes.OCI_MANIFEST, Platform.LINUX_AMD64,
                config, ImageConfig.EMPTY, List.of(new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, DIGEST, 7)));

        assertThat(image.pinnedReference().toString()).isEqualTo("host:5000/app:1@" + DIGEST);
        assertThat(image.compressedLayerSize()).isEqualTo(7);
        assertThatThrownBy(() -> new ResolvedImage(reference, DIGEST, DIGEST, MediaTypes.OCI_MANIFEST, null, config,
                ImageConfig.EMPTY, List.of())).hasMessageContaining("platform=null").hasMessageContaining("host:5000/app:1");
    }
}
