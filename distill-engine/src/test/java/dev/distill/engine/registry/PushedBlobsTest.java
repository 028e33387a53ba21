package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.budget.ParallelTasks;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What one build knows a repository holds, against a scripted registry that counts the questions. */
class PushedBlobsTest {

    private static final Digest BLOB = Digest.sha256(new byte[] {1, 2, 3});

    @Test
    void aBlobTheWorkMadeSureOfIsNotAskedAboutAgainButAnotherRepositoryIs() throws Exception {
        try (FakeRegistry fake = new FakeRegistry()) {
            fake.on("HEAD", "/v2/app/blobs/" + BLOB, FakeRegistry.Reply.of(200, null, null))
                    .on("HEAD", "/v2/other/blobs/" + BLOB, FakeRegistry.Reply.of(200, null, null));
            RegistryClient client = RegistryClient.builder().insecureRegistry(fake.host()).build();
            PushedBlobs blobs = new PushedBlobs();
            AtomicInteger uploads = new AtomicInteger();

            blobs.ensure(client, ImageReference.parse(fake.host() + "/app:1"), BLOB, uploads::incrementAndGet);
            blobs.ensure(client, ImageReference.parse(fake.host() + "/app:2"), BLOB, uploads::incrementAndGet);
            blobs.ensure(client, ImageReference.parse(fake.host() + "/other:1"), BLOB, uploads::incrementAndGet);

            assertThat(fake.count("HEAD", "/v2/app/blobs/" + BLOB)).isEqualTo(1);
            assertThat(fake.count("HEAD", "/v2/other/blobs/" + BLOB)).isEqualTo(1);
            assertThat(uploads).as("the registry had it").hasValue(0);
            // A new piece of work knows nothing: it asks again.
            new PushedBlobs().ensure(client, ImageReference.parse(fake.host() + "/app:1"), BLOB, uploads::incrementAndGet);
            assertThat(fake.count("HEAD", "/v2/app/blobs/" + BLOB)).isEqualTo(2);
        }
    }

    @Test
    void threadsAskingForTheSameMissingBlobAtOnceUploadItOnceAndAllWaitForIt() throws Exception {
        try (FakeRegistry fake = new FakeRegistry()) {
            RegistryClient client = RegistryClient.builder().insecureRegistry(fake.host()).build();
            ImageReference repo = ImageReference.parse(fake.host() + "/app");
            PushedBlobs blobs = new PushedBlobs();
            AtomicInteger uploads = new AtomicInteger();
            CountDownLatch release = new CountDownLatch(1);
            List<ParallelTasks.Task<Boolean, RegistryException>> askers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                askers.add(() -> {
                    blobs.ensure(client, repo, BLOB, () -> {
                        uploads.incrementAndGet();
                        try {
                            // Held until the others have had time to ask: they must wait, not upload it again.
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    return blobs.knows(repo, BLOB);
                });
            }
            Thread releaser = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                release.countDown();
            });
            releaser.start();

            assertThat(ParallelTasks.all("test", 4, askers)).as("each returned once the blob was there")
                    .containsOnly(true);
            assertThat(uploads).hasValue(1);
            assertThat(fake.count("HEAD", "/v2/app/blobs/" + BLOB)).isEqualTo(1);
            releaser.join();
        }
    }

    @Test
    void aFailedUploadIsNotKnownAndIsTriedAgain() throws Exception {
        try (FakeRegistry fake = new FakeRegistry()) {
            RegistryClient client = RegistryClient.builder().insecureRegistry(fake.host()).build();
            ImageReference repo = ImageReference.parse(fake.host() + "/app");
            PushedBlobs blobs = new PushedBlobs();

            assertThatThrownBy(() -> blobs.ensure(client, repo, BLOB, () -> {
                throw new RegistryException(RegistryException.Kind.PROTOCOL, "upload of " + BLOB + " refused");
            })).isInstanceOf(RegistryException.class).hasMessageContaining("refused");
            assertThat(blobs.knows(repo, BLOB)).isFalse();

            AtomicInteger uploads = new AtomicInteger();
            blobs.ensure(client, repo, BLOB, uploads::incrementAndGet);
            assertThat(uploads).hasValue(1);
            assertThat(fake.count("HEAD", "/v2/app/blobs/" + BLOB)).isEqualTo(2);
            assertThat(blobs.knows(repo, BLOB)).isTrue();
        }
    }
}
