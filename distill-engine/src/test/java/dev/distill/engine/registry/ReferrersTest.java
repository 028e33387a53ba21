package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Referrers on a registry with the referrers API (OCI distribution 1.1), played by a scripted server. */
class ReferrersTest {

    private static final Descriptor SUBJECT = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {7}), 512,
            null, Map.of());

    @Test
    void aRegistryThatIndexesTheSubjectIsTrustedAndAskedThroughItsApi() throws Exception {
        byte[] sbom = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ArtifactStore.manifest("application/vnd.cyclonedx+json", "application/vnd.cyclonedx+json",
                Digest.sha256(sbom), sbom.length, Map.of(), SUBJECT);
        Digest manifestDigest = Digest.sha256(manifest);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + manifestDigest + "\",\"size\":"
                + manifest.length + ",\"artifactType\":\"application/vnd.cyclonedx+json\"},"
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + Digest.sha256(new byte[] {9})
                + "\",\"size\":10,\"artifactType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}]}";
        try (FakeRegistry fake = new FakeRegistry()) {
            fake.on("HEAD", "/v2/app/blobs/" + Digest.sha256(ArtifactStore.EMPTY_CONFIG), FakeRegistry.Reply.of(200, null, null))
                    .on("HEAD", "/v2/app/blobs/" + Digest.sha256(sbom), FakeRegistry.Reply.of(200, null, null))
                    .on("PUT", "/v2/app/manifests/" + manifestDigest, FakeRegistry.Reply.of(201, null, null)
                            .with("Docker-Content-Digest", manifestDigest.toString())
                            .with("OCI-Subject", SUBJECT.digest().toString()))
                    .on("GET", "/v2/app/referrers/" + SUBJECT.digest(), FakeRegistry.Reply.of(200, MediaTypes.OCI_INDEX,
                            index.getBytes(StandardCharsets.UTF_8)));
            RegistryClient client = RegistryClient.builder().insecureRegistry(fake.host()).build();
            ImageReference repo = ImageReference.parse(fake.host() + "/app:1");
            Referrers referrers = new Referrers(client);

            Referrers.Attached attached = referrers.attach(repo, SUBJECT, "application/vnd.cyclonedx+json",
                    "application/vnd.cyclonedx+json", sbom, Map.of());

            assertThat(attached.indexedByRegistry()).isTrue();
            assertThat(attached.manifestDigest()).isEqualTo(manifestDigest);
            assertThat(fake.seen()).noneMatch(s -> s.path().contains("/manifests/sha256-"))
                    .as("no fallback tag where the registry keeps the referrers itself");
            assertThat(fake.seen()).filteredOn(s -> s.method().equals("PUT")).singleElement()
                    .satisfies(s -> assertThat(new String(s.body(), StandardCharsets.UTF_8))
                            .contains("\"subject\":{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\""
                                    + SUBJECT.digest() + "\",\"size\":512}"));
            assertThat(referrers.list(repo, SUBJECT.digest(), "application/vnd.cyclonedx+json"))
                    .extracting(Referrers.Referrer::manifestDigest).containsExactly(manifestDigest);
            assertThat(referrers.list(repo, SUBJECT.digest(), null)).hasSize(2);
        }
    }

    @Test
    void artifactsAttachedTogetherGoIntoTheFallbackIndexInOneWriteInTheirOrder() throws Exception {
        byte[] cyclonedx = "{\"bomFormat\":\"CycloneDX\"}".getBytes(StandardCharsets.UTF_8);
        byte[] spdx = "{\"spdxVersion\":\"SPDX-2.3\"}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> annotations = Map.of("dev.distill.program", "web");
        byte[] first = ArtifactStore.manifest("application/vnd.cyclonedx+json", "application/vnd.cyclonedx+json",
                Digest.sha256(cyclonedx), cyclonedx.length, annotations, SUBJECT);
        byte[] second = ArtifactStore.manifest("application/spdx+json", "application/spdx+json", Digest.sha256(spdx),
                spdx.length, annotations, SUBJECT);
        String fallback = "/v2/app/manifests/" + Referrers.fallbackTag(SUBJECT.digest());
        try (FakeRegistry fake = new FakeRegistry()) {
            // A registry without the referrers API (no OCI-Subject), whose fallback tag does not exist yet.
            fake.on("HEAD", "/v2/app/blobs/" + Digest.sha256(ArtifactStore.EMPTY_CONFIG), FakeRegistry.Reply.of(200, null, null))
                    .on("HEAD", "/v2/app/blobs/" + Digest.sha256(cyclonedx), FakeRegistry.Reply.of(200, null, null))
                    .on("HEAD", "/v2/app/blobs/" + Digest.sha256(spdx), FakeRegistry.Reply.of(200, null, null))
                    .on("PUT", "/v2/app/manifests/" + Digest.sha256(first), FakeRegistry.Reply.of(201, null, null))
                    .on("PUT", "/v2/app/manifests/" + Digest.sha256(second), FakeRegistry.Reply.of(201, null, null))
                    .on("PUT", fallback, FakeRegistry.Reply.of(201, null, null));
            RegistryClient client = RegistryClient.builder().insecureRegistry(fake.host()).build();

            List<Referrers.Attached> attached = new Referrers(client).attachAll(ImageReference.parse(fake.host() + "/app"),
                    SUBJECT, List.of(new Referrers.Artifact("application/vnd.cyclonedx+json",
                            "application/vnd.cyclonedx+json", cyclonedx, annotations),
                            new Referrers.Artifact("application/spdx+json", "application/spdx+json", spdx, annotations)));

            assertThat(attached).extracting(Referrers.Attached::manifestDigest)
                    .containsExactly(Digest.sha256(first), Digest.sha256(second));
            assertThat(attached).noneMatch(Referrers.Attached::indexedByRegistry);
            assertThat(fake.count("HEAD", "/v2/app/blobs/" + Digest.sha256(ArtifactStore.EMPTY_CONFIG)))
                    .as("the empty config both artifacts name is asked about once").isEqualTo(1);
            assertThat(fake.count("GET", fallback)).isEqualTo(1);
            assertThat(fake.seen()).filteredOn(s -> s.method().equals("PUT") && s.path().equals(fallback)).singleElement()
                    .satisfies(s -> {
                        String index = new String(s.body(), StandardCharsets.UTF_8);
                        assertThat(index).contains("\"digest\":\"" + Digest.sha256(first) + "\",\"size\":" + first.length
                                + ",\"artifactType\":\"application/vnd.cyclonedx+json\"");
                        assertThat(index.indexOf(Digest.sha256(first).toString()))
                                .as("CycloneDX first, as one attach after the other left it")
                                .isLessThan(index.indexOf(Digest.sha256(second).toString()));
                    });
        }
    }

    @Test
    void aMalformedIndexIsAProtocolErrorNamingTheImage() throws Exception {
        try (FakeRegistry fake = new FakeRegistry()) {
            fake.on("GET", "/v2/app/referrers/" + SUBJECT.digest(), FakeRegistry.Reply.of(200, MediaTypes.OCI_INDEX,
                    "{\"manifests\":[{\"digest\":\"md5:nope\"}]}".getBytes(StandardCharsets.UTF_8)));
            RegistryClient client = RegistryClient.builder().insecureRegistry(fake.host()).build();

            assertThatThrownBy(() -> new Referrers(client).list(ImageReference.parse(fake.host() + "/app"), SUBJECT.digest(), null))
                    .isInstanceOf(RegistryException.class).hasMessageContaining("referrers index of " + fake.host() + "/app@"
                            + SUBJECT.digest());
        }
    }
}
