package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.layer.BlobSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeptBlobsTest {

    private static final String LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

    @TempDir
    Path temp;

    /** The blobs of an OCI layout's blobs directory, counting how often one is opened. */
    private record CountingOrigin(BlobSource files, AtomicInteger opens) implements BlobSource {
        @Override
        public InputStream open(Descriptor blob) throws IOException {
            opens.incrementAndGet();
            return files.open(blob);
        }
    }

    private Descriptor blob(Path origin, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.of("sha256", bytes);
        Path file = Files.createDirectories(origin.resolve("sha256")).resolve(digest.hex());
        Files.write(file, bytes);
        return new Descriptor(LAYER, digest, bytes.length);
    }

    private static String read(BlobSource source, Descriptor blob) throws IOException {
        try (InputStream in = source.open(blob)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aLaterVerificationLinksABlobAnEarlierOneSpooledInsteadOfFetchingItAgain() throws IOException {
        Path origin = temp.resolve("registry");
        Descriptor base = blob(origin, "the base layer");
        CountingOrigin registry = new CountingOrigin(BlobSource.directory(origin), new AtomicInteger());
        KeptBlobs kept = new KeptBlobs(temp.resolve("kept"), 1 << 20);

        SpooledBlobSource first = new SpooledBlobSource(registry, temp.resolve("verify-1/blobs"), kept);
        first.keep(base);
        SpooledBlobSource second = new SpooledBlobSource(registry, temp.resolve("verify-2/blobs"), kept);
        second.keep(base);

        assertThat(registry.opens()).hasValue(1);
        Path one = temp.resolve("verify-1/blobs/sha256").resolve(base.digest().hex());
        Path two = temp.resolve("verify-2/blobs/sha256").resolve(base.digest().hex());
        assertThat(Files.isSameFile(one, two)).isTrue();
        assertThat(read(second, base)).isEqualTo("the base layer");
        assertThat(registry.opens()).as("read from the spool, not the registry").hasValue(1);
    }

    @Test
    void theLeastRecentlyLinkedBlobIsEvictedAndAVerificationKeepsItsOwnLink() throws IOException {
        Path origin = temp.resolve("registry");
        Descriptor old = blob(origin, "an old layer, 32 bytes long....");
        Descriptor recent = blob(origin, "a recent layer, 32 bytes long..");
        CountingOrigin registry = new CountingOrigin(BlobSource.directory(origin), new AtomicInteger());
        KeptBlobs kept = new KeptBlobs(temp.resolve("kept"), 40);

        SpooledBlobSource first = new SpooledBlobSource(registry, temp.resolve("verify-1/blobs"), kept);
        first.keep(old);
        Files.setLastModifiedTime(kept.directory().resolve("sha256").resolve(old.digest().hex()), FileTime.fromMillis(1000));
        first.keep(recent);  // about 60 bytes kept, 40 allowed: the old one goes

        assertThat(kept.directory().resolve("sha256").resolve(old.digest().hex())).doesNotExist();
        assertThat(kept.directory().resolve("sha256").resolve(recent.digest().hex())).exists();
        assertThat(read(first, old)).as("the verification's own link").isEqualTo("an old layer, 32 bytes long....");

        SpooledBlobSource second = new SpooledBlobSource(registry, temp.resolve("verify-2/blobs"), kept);
        second.keep(old);
        assertThat(registry.opens()).as("the evicted blob is fetched again").hasValue(3);
        assertThat(read(second, old)).isEqualTo("an old layer, 32 bytes long....");
    }

    @Test
    void aBlobThatDoesNotMatchItsDigestIsNeitherSpooledNorKept() throws IOException {
        Path origin = temp.resolve("registry");
        Descriptor good = blob(origin, "what the digest says");
        Files.writeString(origin.resolve("sha256").resolve(good.digest().hex()), "what the registry sent");
        KeptBlobs kept = new KeptBlobs(temp.resolve("kept"), 1 << 20);
        SpooledBlobSource spool = new SpooledBlobSource(BlobSource.directory(origin), temp.resolve("verify-1/blobs"), kept);

        assertThatThrownBy(() -> spool.keep(good)).isInstanceOf(IOException.class);

        assertThat(temp.resolve("verify-1/blobs/sha256").resolve(good.digest().hex())).doesNotExist();
        assertThat(kept.directory().resolve("sha256").resolve(good.digest().hex())).doesNotExist();
    }
}
