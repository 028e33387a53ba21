package dev.distill.engine.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReadAheadTest {

    @Test
    void givesTheSourcesBytesInOrderAcrossChunks() throws IOException {
        byte[] data = LayeredFileSystemTest.random(100_003);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ReadAhead in = new ReadAhead(new Trickle(new ByteArrayInputStream(data)), 4096, 3)) {
            assertThat(in.read()).isEqualTo(data[0] & 0xff);
            out.write(data[0]);
            byte[] buffer = new byte[777];
            int n;
            while ((n = in.read(buffer, 0, buffer.length)) >= 0) {
                out.write(buffer, 0, n);
            }
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @Test
    void theSourcesFailureComesUnchangedAfterTheBytesBeforeIt() throws IOException {
        IOException broken = new IOException("broken");
        InputStream failing = new InputStream() {
            private int left = 10_000;

            @Override
            public int read() throws IOException {
                if (left == 0) {
                    throw broken;
                }
                left--;
                return 7;
            }
        };
        try (ReadAhead in = new ReadAhead(failing, 4096, 2)) {
            assertThat(in.readNBytes(10_000)).hasSize(10_000).containsOnly(7);
            assertThatThrownBy(in::read).isSameAs(broken);
            assertThatThrownBy(in::read).isSameAs(broken);
        }
    }

    @Test
    void closingEarlyStopsReadingAndClosesTheSource() throws IOException {
        AtomicInteger reads = new AtomicInteger();
        AtomicBoolean closed = new AtomicBoolean();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                reads.incrementAndGet();
                return 1;
            }

            @Override
            public void close() {
                closed.set(true);
            }
        };
        ReadAhead in = new ReadAhead(endless, 1024, 2);
        assertThat(in.read()).isEqualTo(1);
        in.close();
        int after = reads.get();
        assertThat(closed).isTrue();
        // Bounded read-ahead: at most the buffers in flight, then nothing once closed.
        assertThat(after).isLessThanOrEqualTo(1024 * 5);
        assertThat(reads.get()).isEqualTo(after);
        assertThatThrownBy(in::read).isInstanceOf(IOException.class);
    }

    /** Hands out a few bytes per read, like a network stream. */
    private static final class Trickle extends java.io.FilterInputStream {
        Trickle(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, Math.min(len, 1000));
        }
    }
}
