package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.registry.FakeRegistry.Reply;
import dev.distill.engine.testing.TinyImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How the client copes with registries that misbehave, played by a scripted server. */
class ProtocolTest {

    private static final TinyImage IMAGE = TinyImage.sample(Platform.LINUX_AMD64);

    private FakeRegistry registry;
    private RegistryClient client;

    @BeforeEach
    void start() throws IOException {
        registry = new FakeRegistry();
        client = RegistryClient.builder().readTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private ImageReference reference(String text) {
        return ImageReference.parse(registry.host() + "/" + text);
    }

    @Test
    void resolvesAWellBehavedImage() throws Exception {
        registry.serve("demo/app", "1", IMAGE);

        ResolvedImage image = client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64);

        assertThat(image.manifestDigest()).isEqualTo(IMAGE.manifestDigest());
        assertThat(image.imageConfig()).isEqualTo(IMAGE.imageConfig());
        assertThat(registry.seen().get(0).header("Accept")).contains(MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
                MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);
        assertThat(registry.seen().get(0).header("User-Agent")).startsWith("distill/");
    }

    @Test
    void manifestNotMatchingThePinnedDigestIsADigestMismatch() {
        Digest pinned = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        registry.on("GET", "/v2/demo/app/manifests/" + pinned, Reply.of(200, IMAGE.manifestMediaType(), IMAGE.manifest()));

        assertFails(() -> client.resolve(reference("demo/app@" + pinned), Platform.LINUX_AMD64),
                RegistryException.Kind.DIGEST_MISMATCH, pinned.toString(), IMAGE.manifestDigest().toString());
    }

    @Test
    void manifestNotMatchingDockerContentDigestIsADigestMismatch() {
        Digest claimed = Digest.sha256("claimed".getBytes(StandardCharsets.UTF_8));
        registry.on("GET", "/v2/demo/app/manifests/1", Reply.of(200, IMAGE.manifestMediaType(), IMAGE.manifest())
                .with("Docker-Content-Digest", claimed.toString()));

        assertFails(() -> client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.DIGEST_MISMATCH, claimed.toString(), "Docker-Content-Digest");
    }

    @Test
    void configNotMatchingItsDigestIsADigestMismatch() {
        registry.serve("demo/app", "1", IMAGE);
        registry.on("GET", "/v2/demo/app/blobs/" + IMAGE.configDescriptor().digest(),
                Reply.of(200, "application/octet-stream", "{\"config\":{}}".getBytes(StandardCharsets.UTF_8)));

        assertFails(() -> client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.DIGEST_MISMATCH, IMAGE.configDescriptor().digest().toString());
    }

    @Test
    void oversizedManifestIsAProtocolError() {
        RegistryClient small = RegistryClient.builder().maxManifestBytes(64).build();
        registry.serve("demo/app", "1", IMAGE);

        assertFails(() -> small.resolve(reference("demo/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.PROTOCOL, "manifest larger than 64 bytes", "maxManifestBytes");
    }

    @Test
    void schema1IsUnsupportedNamingTheMediaType() {
        registry.on("GET", "/v2/old/app/manifests/1", Reply.of(200, MediaTypes.DOCKER_MANIFEST_SCHEMA1_SIGNED,
                "{\"schemaVersion\":1,\"name\":\"old/app\",\"fsLayers\":[]}".getBytes(StandardCharsets.UTF_8)));

        assertFails(() -> client.resolve(reference("old/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.UNSUPPORTED_MEDIA_TYPE, MediaTypes.DOCKER_MANIFEST_SCHEMA1_SIGNED, "schema 1");
    }

    @Test
    void schema1BehindAGenericContentTypeIsStillRecognised() {
        registry.on("GET", "/v2/old/app/manifests/1", Reply.of(200, "application/json",
                "{\"schemaVersion\":1,\"name\":\"old/app\"}".getBytes(StandardCharsets.UTF_8)));

        assertFails(() -> client.resolve(reference("old/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.UNSUPPORTED_MEDIA_TYPE, "schema 1");
    }

    @Test
    void unknownMediaTypeIsUnsupportedNamingIt() {
        registry.on("GET", "/v2/demo/thing/manifests/1", Reply.of(200, "application/vnd.example.thing+json",
                "{}".getBytes(StandardCharsets.UTF_8)));

        assertFails(() -> client.resolve(reference("demo/thing:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.UNSUPPORTED_MEDIA_TYPE, "application/vnd.example.thing+json");
    }

    @Test
    void artifactIsUnsupportedNamingItsConfigMediaType() {
        Descriptor config = new Descriptor("application/vnd.cncf.helm.config.v1+json", Digest.sha256(new byte[0]), 0);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
                + config.mediaType() + "\",\"digest\":\"" + config.digest() + "\",\"size\":0},\"layers\":[]}";
        registry.on("GET", "/v2/charts/app/manifests/1", Reply.of(200, MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8)));

        assertFails(() -> client.resolve(reference("charts/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.UNSUPPORTED_MEDIA_TYPE, "application/vnd.cncf.helm.config.v1+json");
    }

    @Test
    void malformedManifestIsAProtocolError() {
        registry.on("GET", "/v2/demo/app/manifests/1", Reply.of(200, MediaTypes.OCI_MANIFEST,
                "{\"schemaVersion\":2,\"layers\":[".getBytes(StandardCharsets.UTF_8)));

        assertFails(() -> client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.PROTOCOL, "malformed manifest", "not valid JSON");
    }

    @Test
    void serverErrorIsAProtocolErrorWithStatusAndExcerpt() {
        registry.on("GET", "/v2/demo/app/manifests/1", Reply.of(502, "text/html",
                "<html><body>Bad Gateway from the proxy</body></html>".getBytes(StandardCharsets.UTF_8)));

        assertFails(() -> client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.PROTOCOL, "HTTP 502", "Bad Gateway from the proxy", registry.host());
    }

    @Test
    void missingTagIsNotFoundNamingTheReference() {
        registry.on("GET", "/v2/demo/app/manifests/nope",
                Reply.json(404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}"));

        assertFails(() -> client.resolve(reference("demo/app:nope"), Platform.LINUX_AMD64),
                RegistryException.Kind.NOT_FOUND, registry.host() + "/demo/app:nope", "MANIFEST_UNKNOWN");
    }

    @Test
    void forbiddenIsUnauthorized() {
        registry.on("GET", "/v2/demo/app/manifests/1",
                Reply.json(403, "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}"));

        assertFails(() -> client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.UNAUTHORIZED, "denied");
    }

    @Test
    void rateLimitIsSaidInWords() {
        registry.on("GET", "/v2/demo/app/manifests/1",
                Reply.json(429, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"pull rate limit\"}]}"));

        assertFails(() -> client.resolve(reference("demo/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.PROTOCOL, "rate limiting", "pull rate limit");
    }

    @Test
    void headDigestFallsBackToHashingTheManifest() throws Exception {
        registry.on("HEAD", "/v2/demo/app/manifests/1", Reply.of(200, IMAGE.manifestMediaType(), new byte[0]));
        registry.on("GET", "/v2/demo/app/manifests/1", Reply.of(200, IMAGE.manifestMediaType(), IMAGE.manifest()));

        assertThat(client.headDigest(reference("demo/app:1"))).isEqualTo(IMAGE.manifestDigest());
        assertThat(registry.count("GET", "/v2/demo/app/manifests/1")).isEqualTo(1);
    }

    @Test
    void headDigestUsesTheHeaderWhenPresent() throws Exception {
        registry.serve("demo/app", "1", IMAGE);

        assertThat(client.headDigest(reference("demo/app:1"))).isEqualTo(IMAGE.manifestDigest());
        assertThat(registry.count("GET", "/v2/demo/app/manifests/1")).isZero();
    }

    @Test
    void blobStreamWithWrongContentFailsAtEndNamingBothDigests() throws Exception {
        byte[] served = "not the layer".getBytes(StandardCharsets.UTF_8);
        Digest expected = IMAGE.layerDescriptor().digest();
        registry.on("GET", "/v2/demo/app/blobs/" + expected, Reply.of(200, "application/octet-stream", served));

        try (InputStream in = client.openBlob(reference("demo/app"), expected)) {
            assertThatThrownBy(in::readAllBytes)
                    .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
                        assertThat(e.expected()).isEqualTo(expected);
                        assertThat(e.actual()).isEqualTo(Digest.sha256(served));
                    })
                    .hasMessageContaining(expected.toString())
                    .hasMessageContaining(Digest.sha256(served).toString());
        }
    }

    @Test
    void blobWhoseAnnouncedLengthDiffersFromTheDescriptorIsRefused() {
        Descriptor layer = IMAGE.layerDescriptor();
        registry.on("GET", "/v2/demo/app/blobs/" + layer.digest(), Reply.of(200, "application/octet-stream", new byte[3]));

        assertFails(() -> client.openBlob(reference("demo/app"), layer), RegistryException.Kind.DIGEST_MISMATCH,
                "announces 3 bytes", String.valueOf(layer.size()));
    }

    @Test
    void pulledAndPushedBlobBytesAreReportedToTheTransferListener() throws Exception {
        java.util.concurrent.atomic.AtomicLong pulled = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong pushed = new java.util.concurrent.atomic.AtomicLong();
        RegistryClient counted = RegistryClient.builder().transfers(new TransferListener() {
            @Override
            public void pulled(long bytes) {
                pulled.addAndGet(bytes);
            }

            @Override
            public void pushed(long bytes) {
                pushed.addAndGet(bytes);
            }
        }).build();
        Descriptor layer = IMAGE.layerDescriptor();
        registry.on("GET", "/v2/demo/app/blobs/" + layer.digest(), Reply.of(200, "application/octet-stream", IMAGE.layer()));
        registry.on("POST", "/v2/demo/copy/blobs/uploads/", new Reply(202, java.util.Map.of("Location", "/upload/1"), null));
        registry.on("PUT", "/upload/1", new Reply(201, java.util.Map.of("Docker-Content-Digest", layer.digest().toString()), null));

        try (InputStream in = counted.openBlob(reference("demo/app"), layer)) {
            in.readAllBytes();
        }
        counted.pushBlob(reference("demo/copy"), layer.digest(), layer.size(),
                () -> new java.io.ByteArrayInputStream(IMAGE.layer()));

        assertThat(pulled.get()).isEqualTo(layer.size());
        assertThat(pushed.get()).isEqualTo(layer.size());
    }

    @Test
    void blobRedirectIsFollowedWithoutForwardingCredentials() throws Exception {
        try (FakeRegistry storage = new FakeRegistry()) {
            Descriptor layer = IMAGE.layerDescriptor();
            storage.on("GET", "/bucket/layer", Reply.of(200, "application/octet-stream", IMAGE.layer()));
            registry.on("GET", "/v2/demo/app/blobs/" + layer.digest(), seen -> seen.header("Authorization") == null
                    ? Reply.json(401, "{}").with("WWW-Authenticate", "Basic realm=\"fake\"")
                    : new Reply(307, java.util.Map.of("Location", "http://" + storage.host() + "/bucket/layer?sig=secret"), null));
            RegistryClient withLogin = RegistryClient.builder()
                    .credentials(RegistryCredentials.fromMap(java.util.Map.of(registry.host(), new Credential("u", "p"))))
                    .build();

            try (InputStream in = withLogin.openBlob(reference("demo/app"), layer)) {
                assertThat(in.readAllBytes()).isEqualTo(IMAGE.layer());
            }
            assertThat(storage.seen()).singleElement().satisfies(seen -> {
                assertThat(seen.header("Authorization")).isNull();
                assertThat(seen.query()).isEqualTo("sig=secret");
            });
        }
    }

    @Test
    void closedPortIsUnreachableNamingHostAndCause() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        ImageReference reference = ImageReference.parse("127.0.0.1:" + port + "/demo/app:1");

        assertThatThrownBy(() -> client.resolve(reference, Platform.LINUX_AMD64))
                .isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNREACHABLE))
                .hasMessage("registry 127.0.0.1:" + port + " is unreachable: connection refused");
    }

    @Test
    void slowRegistryTimesOutAsUnreachable() {
        RegistryClient impatient = RegistryClient.builder().readTimeout(Duration.ofMillis(300)).build();
        registry.on("GET", "/v2/demo/app/manifests/1", seen -> {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Reply.json(200, "{}");
        });

        assertFails(() -> impatient.resolve(reference("demo/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.UNREACHABLE, registry.host() + " is unreachable: no answer within 300ms");
    }

    @Test
    void indexEntryWhoseSizeDisagreesIsADigestMismatch() {
        TinyImage arm = TinyImage.sample(Platform.parse("linux/arm64"));
        String index = new String(TinyImage.index(IMAGE, arm), StandardCharsets.UTF_8)
                .replace("\"size\":" + IMAGE.manifest().length, "\"size\":" + (IMAGE.manifest().length + 1));
        registry.serve("demo/app", "ignored", IMAGE);
        registry.on("GET", "/v2/demo/app/manifests/multi", Reply.of(200, MediaTypes.OCI_INDEX, index.getBytes(StandardCharsets.UTF_8)));

        assertFails(() -> client.resolve(reference("demo/app:multi"), Platform.LINUX_AMD64),
                RegistryException.Kind.DIGEST_MISMATCH, "the index says " + (IMAGE.manifest().length + 1));
    }

    static void assertFails(ThrowingCallable call, RegistryException.Kind kind, String... messageParts) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind))
                .satisfies(e -> {
                    for (String part : messageParts) {
                        assertThat(e.getMessage()).contains(part);
                    }
                });
    }
}
