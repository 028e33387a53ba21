package dev.distill.engine.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.layer.BlobSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerReadProgressTest {

    private static final String GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

    private static Descriptor layer(byte[] bytes) {
        return new Descriptor(GZIP, Digest.sha256(bytes), bytes.length, null, Map.of());
    }

    @Test
    void countsLayersAndBytesOnceEvenWhenALayerIsReadAgain() throws IOException {
        byte[] first = new byte[300_000];
        first[0] = 1;
        byte[] second = new byte[100_000];
        Descriptor a = layer(first);
        Descriptor b = layer(second);
        Map<Descriptor, byte[]> blobs = Map.of(a, first, b, second);
        BlobSource source = d -> new ByteArrayInputStream(blobs.get(d));
        List<Progress> reports = new ArrayList<>();
        LayerReadProgress counted = new LayerReadProgress(source, List.of(a, b), "read-layers", reports::add);

        counted.report();
        try (InputStream in = counted.open(a)) {
            in.readNBytes(150_000); // part of it, then closed: not finished
        }
        try (InputStream in = counted.open(a)) {
            in.readAllBytes(); // opened again and read to the end: counted once
        }
        try (InputStream in = counted.open(b)) {
            in.readAllBytes();
        }

        assertThat(reports.get(0)).isEqualTo(Progress.of("read-layers", Progress.count("layers", 0, 2),
                Progress.count("bytes", 0, 400_000)));
        assertThat(reports.get(reports.size() - 1)).isEqualTo(Progress.of("read-layers", Progress.count("layers", 2, 2),
                Progress.count("bytes", 400_000, 400_000)));
        assertThat(reports).allSatisfy(p -> assertThat(p.counters().get(1).done()).isLessThanOrEqualTo(400_000));
        // Reported as it goes (about every 64 KiB here), not on every read.
        assertThat(reports.size()).isBetween(4, 20);
    }

    @Test
    void aStepThatRecalledALayerInsteadOfReadingItEndsComplete() throws IOException {
        byte[] read = new byte[1000];
        byte[] recalled = new byte[500];
        Descriptor a = layer(read);
        Descriptor b = layer(recalled);
        List<Progress> reports = new ArrayList<>();
        LayerReadProgress counted = new LayerReadProgress(d -> new ByteArrayInputStream(read), List.of(a, b),
                "read-layers", reports::add);
        try (InputStream in = counted.open(a)) {
            in.readAllBytes();
        }
        // b was never opened: its facts came from the layer cache.
        assertThat(reports.get(reports.size() - 1)).isEqualTo(Progress.of("read-layers",
                Progress.count("layers", 1, 2), Progress.count("bytes", 1000, 1500)));

        counted.finish();

        assertThat(reports.get(reports.size() - 1)).isEqualTo(Progress.of("read-layers",
                Progress.count("layers", 2, 2), Progress.count("bytes", 1500, 1500)));
    }

    @Test
    void aBlobThatIsNotALayerPassesThroughUncounted() throws IOException {
        byte[] config = "{}".getBytes();
        Descriptor c = new Descriptor("application/vnd.oci.image.config.v1+json", Digest.sha256(config), 2, null, Map.of());
        List<Progress> reports = new ArrayList<>();
        LayerReadProgress counted = new LayerReadProgress(d -> new ByteArrayInputStream(config), List.of(), "read-layers",
                reports::add);
        try (InputStream in = counted.open(c)) {
            assertThat(in.readAllBytes()).isEqualTo(config);
        }
        assertThat(reports).isEmpty();
    }
}
