package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.Digest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {

    private static final byte[] CONTENT = "layer bytes".getBytes(StandardCharsets.UTF_8);
    private static final Digest DIGEST = Digest.sha256(CONTENT);

    @Test
    void passesMatchingContentThrough() throws Exception {
        try (InputStream in = new VerifyingInputStream(new ByteArrayInputStream(CONTENT), DIGEST, CONTENT.length, "blob")) {
            assertThat(in.read()).isEqualTo('l');
            assertThat(in.skip(2)).isEqualTo(2);
            assertThat(in.readAllBytes()).isEqualTo("er bytes".getBytes(StandardCharsets.UTF_8));
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void failsAtEndWhenTheDigestDiffers() {
        byte[] other = "other bytes".getBytes(StandardCharsets.UTF_8);
        InputStream in = new VerifyingInputStream(new ByteArrayInputStream(other), DIGEST, -1, "blob x");

        assertThatThrownBy(in::readAllBytes).isInstanceOfSatisfying(DigestMismatchException.class, e -> {
            assertThat(e.expected()).isEqualTo(DIGEST);
            assertThat(e.actual()).isEqualTo(Digest.sha256(other));
        }).hasMessageContaining("blob x").hasMessageContaining(DIGEST.toString());
        assertThatThrownBy(in::read).as("stays failed").isInstanceOf(DigestMismatchException.class);
    }

    @Test
    void failsOnShortContent() {
        InputStream in = new VerifyingInputStream(new ByteArrayInputStream(CONTENT, 0, 5), DIGEST, CONTENT.length, "blob");
        assertThatThrownBy(in::readAllBytes).isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining("ended after 5 bytes, expected " + CONTENT.length);
    }

    @Test
    void closeVerifiesWhatAGzipReaderLeftUnread() throws Exception {
        byte[] gzip = gzip("the layer".getBytes(StandardCharsets.UTF_8));
        Digest wrong = Digest.sha256(CONTENT);

        InputStream verifying = new VerifyingInputStream(new SlowStream(gzip), wrong, gzip.length, "blob gz");
        GZIPInputStream in = new GZIPInputStream(verifying);
        assertThat(in.readAllBytes()).isEqualTo("the layer".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(in::close).isInstanceOf(DigestMismatchException.class).hasMessageContaining("blob gz");

        try (InputStream ok = new GZIPInputStream(new VerifyingInputStream(new SlowStream(gzip), Digest.sha256(gzip), -1, "blob"))) {
            ok.readAllBytes();
        }
    }

    @Test
    void closeDoesNotCheckContentAbandonedEarly() throws Exception {
        byte[] big = new byte[VerifyingInputStream.CLOSE_DRAIN_LIMIT * 2];
        InputStream in = new VerifyingInputStream(new ByteArrayInputStream(big), DIGEST, big.length, "blob");
        assertThat(in.read(new byte[10])).isEqualTo(10);
        in.close();

        InputStream unknownSize = new VerifyingInputStream(new ByteArrayInputStream(big), DIGEST, -1, "blob");
        unknownSize.close();
    }

    @Test
    void stopsAsSoonAsContentRunsPastItsSize() {
        InputStream in = new VerifyingInputStream(new ByteArrayInputStream(CONTENT), DIGEST, 3, "blob");
        assertThatThrownBy(in::readAllBytes).isInstanceOfSatisfying(DigestMismatchException.class,
                e -> assertThat(e.actual()).isNull()).hasMessageContaining("longer than the expected 3 bytes");
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** Like a network stream: nothing is ever "available" without blocking, so GZIPInputStream stops at the trailer. */
    private static final class SlowStream extends ByteArrayInputStream {
        SlowStream(byte[] data) {
            super(data);
        }

        @Override
        public synchronized int available() {
            return 0;
        }
    }
}
