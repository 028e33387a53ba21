package dev.distill.engine.registry;

import static dev.distill.engine.registry.ProtocolTest.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client against a real CNCF distribution registry (Debian's docker-registry). */
class RegistryClientIT {

    private static final Platform ARM64_V8 = Platform.parse("linux/arm64/v8");
    private static final TinyImage AMD64 = TinyImage.sample(Platform.LINUX_AMD64);
    private static final TinyImage ARM64 = TinyImage.sample(ARM64_V8);

    private static LocalRegistry registry;
    private static RegistryClient client;

    @BeforeAll
    static void start() {
        registry = LocalRegistry.start();
        client = registry.client();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void resolvesAPushedImageByTag() throws Exception {
        ImageReference reference = registry.reference("demo/app:1");
        Digest pushed = AMD64.push(client, reference);

        ResolvedImage image = client.resolve(reference, Platform.LINUX_AMD64);

        assertThat(pushed).isEqualTo(AMD64.manifestDigest());
        assertThat(image.reference()).isEqualTo(reference);
        assertThat(image.pushedDigest()).isEqualTo(AMD64.manifestDigest());
        assertThat(image.manifestDigest()).isEqualTo(AMD64.manifestDigest());
        assertThat(image.manifestMediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(image.platform()).isEqualTo(Platform.LINUX_AMD64);
        assertThat(image.config()).isEqualTo(AMD64.configDescriptor());
        assertThat(image.layers()).containsExactly(AMD64.layerDescriptor());
        assertThat(image.imageConfig().entrypoint()).containsExactly("/app/hello.sh");
        assertThat(image.imageConfig().cmd()).containsExactly("--name", "distill");
        assertThat(image.imageConfig().user()).isEqualTo("65532:65532");
        assertThat(image.imageConfig().exposedPorts()).containsExactly("8080/tcp");
        assertThat(image.imageConfig().workingDir()).isEqualTo("/app");
        assertThat(image.imageConfig().envValue("GREETING")).isEqualTo("hello");
        assertThat(image.imageConfig()).isEqualTo(AMD64.imageConfig());
        assertThat(client.headDigest(reference)).isEqualTo(AMD64.manifestDigest());
    }

    @Test
    void resolvesByDigest() throws Exception {
        AMD64.push(client, registry.reference("demo/bydigest:1"));
        ImageReference pinned = registry.reference("demo/bydigest@" + AMD64.manifestDigest());

        ResolvedImage image = client.resolve(pinned, Platform.LINUX_AMD64);

        assertThat(image.pushedDigest()).isEqualTo(AMD64.manifestDigest());
        assertThat(image.pinnedReference()).isEqualTo(pinned);
    }

    @Test
    void resolvesDockerSchema2MediaTypes() throws Exception {
        TinyImage docker = TinyImage.builder().dockerMediaTypes().file("/etc/hostname", "tiny\n").cmd("/bin/true").build();
        ImageReference reference = registry.reference("demo/docker:1");
        docker.push(client, reference);

        ResolvedImage image = client.resolve(reference, Platform.LINUX_AMD64);

        assertThat(image.manifestMediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(image.config().mediaType()).isEqualTo(MediaTypes.DOCKER_CONFIG);
        assertThat(image.layers()).extracting(Descriptor::mediaType).containsExactly(MediaTypes.DOCKER_LAYER_TAR_GZIP);
    }

    @Test
    void resolvesAnIndexToTheRequestedPlatform() throws Exception {
        ImageReference reference = registry.reference("demo/multi:1");
        Digest index = TinyImage.pushIndex(client, reference, AMD64, ARM64);

        ResolvedImage amd = client.resolve(reference, Platform.LINUX_AMD64);
        ResolvedImage arm = client.resolve(reference, Platform.parse("linux/arm64"));

        assertThat(client.headDigest(reference)).isEqualTo(index);
        assertThat(amd.pushedDigest()).isEqualTo(index);
        assertThat(amd.manifestDigest()).isEqualTo(AMD64.manifestDigest());
        assertThat(amd.platform()).isEqualTo(Platform.LINUX_AMD64);
        assertThat(arm.pushedDigest()).isEqualTo(index);
        assertThat(arm.manifestDigest()).isEqualTo(ARM64.manifestDigest());
        assertThat(arm.platform()).as("the index's more specific platform").isEqualTo(ARM64_V8);
        assertThat(arm.layers()).containsExactly(ARM64.layerDescriptor());
    }

    @Test
    void missingPlatformListsThePlatformsTheIndexHas() throws Exception {
        ImageReference reference = registry.reference("demo/multi:2");
        TinyImage.pushIndex(client, reference, AMD64, ARM64);

        assertFails(() -> client.resolve(reference, Platform.parse("linux/s390x")), RegistryException.Kind.PLATFORM_NOT_FOUND,
                "linux/s390x", "it has linux/amd64, linux/arm64/v8", reference.toString());
    }

    @Test
    void singlePlatformImageOfAnotherPlatformIsNotFound() throws Exception {
        ImageReference reference = registry.reference("demo/armonly:1");
        ARM64.push(client, reference);

        assertFails(() -> client.resolve(reference, Platform.LINUX_AMD64), RegistryException.Kind.PLATFORM_NOT_FOUND,
                "single-platform image for linux/arm64/v8", "no linux/amd64");
    }

    @Test
    void unknownTagAndRepositoryAreNotFound() throws Exception {
        AMD64.push(client, registry.reference("demo/app:1"));

        assertFails(() -> client.resolve(registry.reference("demo/app:nope"), Platform.LINUX_AMD64),
                RegistryException.Kind.NOT_FOUND, registry.host() + "/demo/app:nope", "MANIFEST_UNKNOWN");
        assertFails(() -> client.resolve(registry.reference("no/such/repo:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.NOT_FOUND, registry.host() + "/no/such/repo:1");
        assertFails(() -> client.headDigest(registry.reference("demo/app:nope")), RegistryException.Kind.NOT_FOUND,
                "demo/app:nope");
    }

    @Test
    void streamsAndVerifiesBlobs() throws Exception {
        ImageReference reference = registry.reference("demo/blobs:1");
        AMD64.push(client, reference);

        byte[] layer;
        try (InputStream in = client.openBlob(reference, AMD64.layerDescriptor())) {
            layer = in.readAllBytes();
        }
        assertThat(layer).isEqualTo(AMD64.layer());
        try (InputStream in = new GZIPInputStream(client.openBlob(reference, AMD64.layerDescriptor().digest()))) {
            assertThat(Digest.sha256(in.readAllBytes())).isEqualTo(AMD64.diffId());
        }
        assertThat(client.blobExists(reference, AMD64.layerDescriptor().digest())).isTrue();
        Digest absent = Digest.sha256("absent".getBytes(StandardCharsets.UTF_8));
        assertThat(client.blobExists(reference, absent)).isFalse();
        assertFails(() -> client.openBlob(reference, absent), RegistryException.Kind.NOT_FOUND,
                "blob " + absent + " of " + reference.repositoryLocation());
    }

    @Test
    void mountsBlobsAcrossRepositories() throws Exception {
        ImageReference source = registry.reference("team/source:1");
        ImageReference target = registry.reference("team/target:1");
        AMD64.push(client, source);
        Digest layer = AMD64.layerDescriptor().digest();

        assertThat(client.blobExists(target, layer)).isFalse();
        assertThat(client.mountBlob(target, source, layer)).isTrue();
        assertThat(client.blobExists(target, layer)).isTrue();
        assertThat(client.mountBlob(target, source, Digest.sha256("not there".getBytes(StandardCharsets.UTF_8)))).isFalse();
        assertThatThrownBy(() -> client.mountBlob(target, ImageReference.parse("elsewhere.io/a/b"), layer))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("elsewhere.io/a/b");
    }

    @Test
    void pushRejectsContentThatDoesNotMatchItsDigestOrSize() {
        ImageReference reference = registry.reference("demo/bad:1");
        byte[] content = "actual content".getBytes(StandardCharsets.UTF_8);
        Digest wrong = Digest.sha256("other content".getBytes(StandardCharsets.UTF_8));

        assertFails(() -> client.pushBlob(reference, wrong, content.length, () -> new ByteArrayInputStream(content)),
                RegistryException.Kind.DIGEST_MISMATCH, wrong.toString());
        assertFails(() -> client.pushBlob(reference, Digest.sha256(content), content.length + 5,
                        () -> new ByteArrayInputStream(content)),
                RegistryException.Kind.DIGEST_MISMATCH, "has " + content.length + " bytes, but its announced size is "
                        + (content.length + 5));
    }

    @Test
    void retaggingMovesTheTag() throws Exception {
        ImageReference reference = registry.reference("demo/moving:latest");
        AMD64.push(client, reference);
        assertThat(client.headDigest(reference)).isEqualTo(AMD64.manifestDigest());

        ARM64.push(client, reference);
        assertThat(client.headDigest(reference)).isEqualTo(ARM64.manifestDigest());
    }
}
