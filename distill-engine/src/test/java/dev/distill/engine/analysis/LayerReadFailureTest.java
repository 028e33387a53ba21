package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerException;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.plan.Classification;
import dev.distill.engine.testing.TarWriter;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer that cannot be read is no fact about a file, whenever it happens: a transfer that fails (too slow, reset,
 * not the bytes the digest names) fails the analysis with the transfer's own message, also when it fails not in the
 * pass but in a later read of one file (the loader reading a program the pass kept only the head of), which is when
 * a layer's facts came from the cache, or the registry went bad after the pass. A file whose content is not what a
 * reader wants (not an ELF file) stays a finding.
 */
class LayerReadFailureTest {

    private static final ImageAnalyzer UNCACHED = new ImageAnalyzer(ImageAnalyzer.Options.defaults());
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final AnalysisReport.Subject SUBJECT = new AnalysisReport.Subject("test", "sha256:" + "d".repeat(64),
            "linux/amd64");
    /** The words the registry client gives up with (TransferGuard), as a blob source's stream throws them. */
    private static final String TOO_SLOW = "gave up reading blob after 1.0 MiB of 2.0 MiB in 8s (12.0 KiB/s): the registry"
            + " is slower than the minimum of 16.0 KiB/s";

    @TempDir
    Path dir;

    private Descriptor layer;
    private BlobSource healthy;

    @BeforeEach
    void oneLayerWithALargeProgramThatIsNoElfFile() throws IOException {
        // The pass keeps only the head of /noise; the loader reads its first 64 KiB again to see it is no ELF file.
        byte[] noise = new byte[2 << 20];
        new Random(11).nextBytes(noise);
        TarWriter tar = new TarWriter();
        tar.file("/noise", noise, 0755);
        tar.file("/etc/app.conf", "workers=1\n".getBytes(), 0644);
        layer = Fixtures.gzipLayer(dir.resolve("blobs"), tar.finish());
        healthy = BlobSource.directory(dir.resolve("blobs"));
    }

    private static ImageConfig config(List<String> entrypoint) {
        return new ImageConfig(entrypoint, List.of(), "", List.of("PATH=/usr/bin:/bin"), List.of(), "/", "", null, null);
    }

    private static final ImageConfig RUNS_NOISE = config(List.of("/noise"));
    /** Another image of the same layer, that runs nothing from it: its analysis keeps the layer's facts only. */
    private static final ImageConfig RUNS_NOTHING = config(List.of());

    /**
     * A blob source whose opens after the first {@code healthyOpens} serve {@code goodBytes} of the blob, then fail
     * the way {@code failure} says.
     */
    private static final class TurningBad implements BlobSource {
        private final BlobSource inner;
        private final int healthyOpens;
        private final long goodBytes;
        private final Supplier<IOException> failure;
        final AtomicInteger opened = new AtomicInteger();

        TurningBad(BlobSource inner, int healthyOpens, Supplier<IOException> failure) {
            this(inner, healthyOpens, 16 * 1024, failure);
        }

        TurningBad(BlobSource inner, int healthyOpens, long goodBytes, Supplier<IOException> failure) {
            this.inner = inner;
            this.healthyOpens = healthyOpens;
            this.goodBytes = goodBytes;
            this.failure = failure;
        }

        @Override
        public InputStream open(Descriptor blob) throws IOException {
            InputStream in = inner.open(blob);
            return opened.incrementAndGet() <= healthyOpens ? in : failingAfter(in, goodBytes, failure);
        }
    }

    /** Serves {@code good} bytes, then fails: a registry that turns slow, or resets the connection, mid-blob. */
    private static InputStream failingAfter(InputStream in, long good, Supplier<IOException> failure) {
        return new FilterInputStream(in) {
            private long served;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (served >= good) {
                    throw failure.get();
                }
                int n = super.read(b, off, (int) Math.min(len, good - served));
                served += Math.max(n, 0);
                return n;
            }
        };
    }

    /**
     * The blob with its last byte changed (the gzip trailer, after every entry): the source's digest check fails at
     * its end, as the registry client's does.
     */
    private BlobSource tampered() throws IOException {
        Path file = dir.resolve("tampered").resolve(layer.digest().algorithm()).resolve(layer.digest().hex());
        Files.createDirectories(file.getParent());
        byte[] bytes = Files.readAllBytes(dir.resolve("blobs").resolve(layer.digest().algorithm()).resolve(layer.digest().hex()));
        bytes[bytes.length - 1] ^= 0x20;
        Files.write(file, bytes);
        return BlobSource.directory(dir.resolve("tampered"));
    }

    @Test
    void aLayerWhoseFactsAnotherImageKeptFailsTheAnalysisNamingTheTransferWhenItsRegistryIsTooSlowForAFileRead()
            throws Exception {
        ImageAnalyzer cached = UNCACHED.withCache(new DiskCache(dir.resolve("cache"), 1L << 30));
        // The other image's analysis keeps the layer's facts, and reads nothing of /noise after its pass.
        cached.analyze(List.of(layer), healthy, LayerLimits.defaults(), RUNS_NOTHING, SUBJECT, null);

        // Too slow while the loader reads the head of /noise (under the reader), or only after it, on the way to the
        // end of the blob where its digest is checked (what was met end to end: a 32 MiB layer, 64 KiB of it wanted).
        for (long goodBytes : new long[] {16 * 1024, 1 << 20}) {
            TurningBad slow = new TurningBad(healthy, 0, goodBytes, () -> new IOException(TOO_SLOW));
            assertThatThrownBy(() -> cached.analyze(List.of(layer), slow, LayerLimits.defaults(), RUNS_NOISE, SUBJECT, null))
                    .isInstanceOfSatisfying(LayerException.class, e -> {
                        assertThat(e.kind()).isEqualTo(LayerException.Kind.UNAVAILABLE);
                        assertThat(e.layer()).isEqualTo(layer.digest());
                    })
                    .hasMessageContaining(layer.digest().toString()).hasMessageContaining(TOO_SLOW);
            // The pass recalled the layer: the failed read was the one after it.
            assertThat(slow.opened).hasValue(1);
        }

        // Nothing of the failure was kept: with its registry healthy again, the image's analysis is an uncached one's.
        AnalysisReport again = cached.analyze(List.of(layer), healthy, LayerLimits.defaults(), RUNS_NOISE, SUBJECT, null);
        AnalysisReport plain = UNCACHED.analyze(List.of(layer), healthy, LayerLimits.defaults(), RUNS_NOISE, SUBJECT, null);
        assertThat(comparable(again)).isEqualTo(comparable(plain));
    }

    @Test
    void aRegistryThatResetsTheConnectionInOrAfterThePassFailsTheAnalysisWithOrWithoutTheCache() throws Exception {
        ImageAnalyzer cached = UNCACHED.withCache(new DiskCache(dir.resolve("cache"), 1L << 30));
        for (int healthyOpens : new int[] {0, 1}) { // reset in the pass (under its readers), or in the read after it
            for (ImageAnalyzer analyzer : List.of(UNCACHED, cached)) {
                TurningBad reset = new TurningBad(healthy, healthyOpens, () -> new SocketException("Connection reset"));
                assertThatThrownBy(() -> analyzer.analyze(List.of(layer), reset, LayerLimits.defaults(), RUNS_NOISE,
                        SUBJECT, null))
                        .isInstanceOfSatisfying(LayerException.class,
                                e -> assertThat(e.kind()).isEqualTo(LayerException.Kind.UNAVAILABLE))
                        .hasMessageContaining(layer.digest().toString()).hasMessageContaining("Connection reset");
                assertThat(reset.opened).hasValue(healthyOpens + 1);
            }
        }
    }

    @Test
    void aBlobThatNoLongerMatchesItsDigestWhenAFileIsReadAgainFailsTheAnalysisAsADigestMismatch() throws Exception {
        BlobSource tampered = tampered();
        AtomicInteger opens = new AtomicInteger();
        BlobSource changesAfterThePass = blob -> opens.incrementAndGet() == 1 ? healthy.open(blob) : tampered.open(blob);
        assertThatThrownBy(() -> UNCACHED.analyze(List.of(layer), changesAfterThePass, LayerLimits.defaults(), RUNS_NOISE,
                SUBJECT, null))
                .isInstanceOfSatisfying(LayerException.class,
                        e -> assertThat(e.kind()).isEqualTo(LayerException.Kind.DIGEST_MISMATCH))
                .hasMessageContaining(layer.digest().toString());
    }

    @Test
    void aProgramThatIsNoElfFileStaysAFindingAboutThatFile() throws Exception {
        AnalysisReport report = UNCACHED.analyze(List.of(layer), healthy, LayerLimits.defaults(), RUNS_NOISE, SUBJECT, null);
        assertThat(report.classification()).isEqualTo(Classification.BLOCKED);
        assertThat(JSON.valueToTree(report).toString()).contains("/noise is not a readable ELF file")
                .doesNotContain("cannot read the blob");
    }

    /**
     * The race met end to end: two analyses of images with the same layer at once, sharing the cache. The one whose
     * registry is healthy keeps the layer's facts at the end of its pass; the other starts then, recalls them, and
     * reads /noise from its own registry, which is too slow. That one fails naming the transfer, the healthy one
     * completes, and the cache is not poisoned.
     */
    @Test
    void twoAnalysesOfOneLayerAtOnceTheSlowOneFailsTheOtherCompletesAndTheCacheStaysGood() throws Exception {
        ImageAnalyzer cached = UNCACHED.withCache(new DiskCache(dir.resolve("cache"), 1L << 30));
        CountDownLatch fastPassDone = new CountDownLatch(1);
        CountDownLatch slowReadStarted = new CountDownLatch(1);
        // The healthy registry: its second open is the read after the pass, when the layer's facts are kept. It
        // waits there until the slow analysis has recalled them and gone to its own registry for /noise.
        AtomicInteger fastOpens = new AtomicInteger();
        BlobSource fast = blob -> {
            if (fastOpens.incrementAndGet() == 2) {
                fastPassDone.countDown();
                try {
                    assertThat(slowReadStarted.await(60, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            return healthy.open(blob);
        };
        TurningBad slowRegistry = new TurningBad(healthy, 0, () -> new IOException(TOO_SLOW));
        BlobSource slow = blob -> {
            slowReadStarted.countDown();
            return slowRegistry.open(blob);
        };

        CompletableFuture<AnalysisReport> fastOne = CompletableFuture.supplyAsync(() -> {
            try {
                return cached.analyze(List.of(layer), fast, LayerLimits.defaults(), RUNS_NOISE, SUBJECT, null);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(fastPassDone.await(60, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> cached.analyze(List.of(layer), slow, LayerLimits.defaults(), RUNS_NOISE, SUBJECT, null))
                .isInstanceOf(LayerException.class).hasMessageContaining(layer.digest().toString())
                .hasMessageContaining(TOO_SLOW);
        assertThat(slowRegistry.opened).hasValue(1);
        AnalysisReport fastReport = fastOne.get(60, TimeUnit.SECONDS);

        AnalysisReport plain = UNCACHED.analyze(List.of(layer), healthy, LayerLimits.defaults(), RUNS_NOISE, SUBJECT, null);
        assertThat(comparable(fastReport)).isEqualTo(comparable(plain));
        TurningBad later = new TurningBad(healthy, 0, () -> new IOException("not read: everything is in the cache"));
        AnalysisReport fromCache = cached.analyze(List.of(layer), later, LayerLimits.defaults(), RUNS_NOISE, SUBJECT, null);
        assertThat(comparable(fromCache)).isEqualTo(comparable(plain));
    }

    /** The report without its statistics' time. */
    private static ObjectNode comparable(AnalysisReport report) {
        ObjectNode node = JSON.valueToTree(report);
        ((ObjectNode) node.get("stats")).remove("millis");
        return node;
    }
}
