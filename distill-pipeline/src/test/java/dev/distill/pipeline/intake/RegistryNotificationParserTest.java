package dev.distill.pipeline.intake;

import static dev.distill.pipeline.intake.Samples.CLOUDEVENTS;
import static dev.distill.pipeline.intake.Samples.JSON;
import static dev.distill.pipeline.intake.Samples.V1;
import static dev.distill.pipeline.intake.Samples.V2;
import static dev.distill.pipeline.intake.Samples.read;
import static dev.distill.pipeline.intake.Samples.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.pipeline.intake.Notification.Skipped;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RegistryNotificationParserTest {

    private final RegistryNotificationParser parser = new RegistryNotificationParser();

    @Nested
    class Distribution {

        @Test
        void aRealDockerRegistry28PushIsTwoSkippedBlobsAndOneTaggedManifest() {
            List<ImagePush> pushes = new ArrayList<>();
            List<Skipped> skipped = new ArrayList<>();
            // docker-registry 2.8 POSTs one envelope per event: config blob, layer blob, then the manifest.
            for (String file : List.of("1-blob-config.json", "2-blob-layer.json", "3-manifest.json")) {
                Notification notification = parser.parse(V1, read("distribution-2.8-push/" + file));
                pushes.addAll(notification.pushes());
                skipped.addAll(notification.skipped());
            }

            assertThat(skipped).containsExactly(
                    new Skipped("4a6c2a1f-586a-4222-a844-6f15563fb673", "blob push"),
                    new Skipped("b971294b-2f31-4df1-96cc-c263f17a7742", "blob push"));
            assertThat(pushes).containsExactly(new ImagePush(
                    new ImageReference("127.0.0.1:5871", "demo/app", "1.0",
                            Digest.parse("sha256:a3a85c6f10a111ae6234cbae3e4c8933ef520052bb30a6dd1e80afcab9563920")),
                    "application/vnd.oci.image.manifest.v1+json", "distribution",
                    "f67cc917-0923-45fe-927f-5484e3d8b8a1", "Python-urllib/3.11", null));
        }

        @Test
        void anOciIndexPushWithATagIsAPush() {
            Notification notification = parser.parse(V1, read("distribution-v1-index-push.json"));

            assertThat(notification.skipped()).isEmpty();
            assertThat(notification.pushes()).singleElement().satisfies(push -> {
                assertThat(push.image()).hasToString("127.0.0.1:5871/demo/app:multi"
                        + "@sha256:79112fd5df3e6e5655224b687ec2bced98d33223d11fb7e2e989b98b4105ed6c");
                assertThat(push.mediaType()).isEqualTo("application/vnd.oci.image.index.v1+json");
            });
        }

        @Test
        void untaggedManifestPushPullDeleteAndMountAreSkippedWithTheReason() {
            assertThat(parser.parse(V1, read("distribution-v1-untagged-manifest-push.json")))
                    .isEqualTo(new Notification(List.of(),
                            List.of(new Skipped("dc559545-1809-4e2e-bff6-ad7d57746678", "manifest push without a tag"))));
            assertThat(parser.parse(V1, read("distribution-v1-pull.json")).skipped())
                    .extracting(Skipped::reason).containsExactly("pull event");
            assertThat(parser.parse(V1, read("distribution-v1-delete.json")).skipped())
                    .containsExactly(new Skipped("27d33de0-9499-44df-8787-cada3a09820a", "delete event"));
            assertThat(parser.parse(V1, read("distribution-v1-mount.json")).skipped())
                    .extracting(Skipped::reason).containsExactly("mount event");
        }

        @Test
        void aV2EnvelopeWithSeveralEventsYieldsTheTaggedManifestsInOrder() {
            Notification notification = parser.parse(V2, read("distribution-v2-mixed.json"));

            assertThat(notification.pushes()).extracting(push -> push.image().toString()).containsExactly(
                    "registry.example.com/shop/api:2.4.1@" + Digest.sha256(utf8("manifest")),
                    "registry.example.com/shop/web:latest@" + Digest.sha256(utf8("list")));
            ImagePush first = notification.pushes().get(0);
            assertThat(first.mediaType()).isEqualTo("application/vnd.docker.distribution.manifest.v2+json");
            assertThat(first.eventId()).isEqualTo("a1b2c3d4-0002-4000-8000-000000000002");
            assertThat(first.actor()).isEqualTo("ci-bot");
            assertThat(first.userAgent()).startsWith("docker/27.3.1 go/go1.22.7");
            assertThat(first.source()).isEqualTo(ImagePush.DISTRIBUTION);
            assertThat(notification.pushes().get(1).mediaType())
                    .isEqualTo("application/vnd.docker.distribution.manifest.list.v2+json");
            assertThat(notification.skipped()).extracting(Skipped::eventId, Skipped::reason).containsExactly(
                    tuple("a1b2c3d4-0001-4000-8000-000000000001", "blob push"),
                    tuple("a1b2c3d4-0004-4000-8000-000000000004", "manifest push without a tag"),
                    tuple("a1b2c3d4-0005-4000-8000-000000000005", "pull event"),
                    tuple("a1b2c3d4-0006-4000-8000-000000000006", "delete event"));
        }

        @Test
        void theRegistryHostComesFromTheUrlWhenTheRequestHasNone() {
            String envelope = """
                    {"events":[{"id":"e1","action":"push","target":{
                      "mediaType":"application/vnd.oci.image.manifest.v1+json",
                      "digest":"sha256:%s","repository":"demo/app","tag":"1",
                      "url":"https://registry.example.com:8443/v2/demo/app/manifests/sha256:%<s"},
                      "request":{"id":"r1","method":"PUT","useragent":""},"actor":{}}]}
                    """.formatted("a".repeat(64));

            ImagePush push = parser.parse(V1, utf8(envelope)).pushes().get(0);

            assertThat(push.image().registry()).isEqualTo("registry.example.com:8443");
            assertThat(push.userAgent()).as("Go sends an empty useragent, not none").isNull();
            assertThat(push.actor()).isNull();
        }

        @Test
        void aSchema1ManifestPushIsSkippedAsUnsupported() {
            String envelope = """
                    {"events":[{"id":"e1","action":"push","target":{
                      "mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws",
                      "digest":"sha256:%s","repository":"demo/app","tag":"old",
                      "url":"http://127.0.0.1:5000/v2/demo/app/manifests/sha256:%<s"},
                      "request":{"host":"127.0.0.1:5000"}}]}
                    """.formatted("b".repeat(64));

            assertThat(parser.parse(V1, utf8(envelope)).skipped()).extracting(Skipped::reason).containsExactly(
                    "manifest push with unsupported media type 'application/vnd.docker.distribution.manifest.v1+prettyjws'");
        }

        @Test
        void contentTypeParametersAndCaseDoNotMatterAndPlainJsonIsRecognisedByShape() {
            byte[] body = read("distribution-v1-index-push.json");

            assertThat(parser.parse("Application/VND.docker.distribution.events.v1+json; charset=utf-8", body).pushes())
                    .hasSize(1);
            assertThat(parser.parse(JSON, body).pushes()).hasSize(1);
        }

        @Test
        void anEmptyEventsArrayIsAnEmptyNotification() {
            assertThat(parser.parse(V2, utf8("{\"events\":[]}"))).isEqualTo(new Notification(List.of(), List.of()));
        }
    }

    @Nested
    class Harbor {

        @Test
        void aDefaultPushPayloadIsAPushWithoutMediaTypeOrUserAgent() {
            Notification notification = parser.parse(JSON, read("harbor-push.json"));

            assertThat(notification.skipped()).isEmpty();
            assertThat(notification.pushes()).containsExactly(new ImagePush(
                    new ImageReference("harbor.example.com", "library/nginx", "1.27", Digest.sha256(utf8("harbor-nginx"))),
                    null, "harbor", null, null, "robot$library+ci"));
        }

        @Test
        void aCloudEventsPushCarriesTheEventIdAndOperator() {
            Notification notification = parser.parse(CLOUDEVENTS, read("harbor-cloudevents-push.json"));

            assertThat(notification.pushes()).containsExactly(new ImagePush(
                    new ImageReference("harbor.example.com", "team-a/php", "8.3-fpm-alpine", Digest.sha256(utf8("harbor-php"))),
                    null, "harbor", "3f9a6c1e-7d2b-4e8a-9b0c-5d4e3f2a1b0c", null, "alice"));
        }

        @Test
        void pullsAreSkippedInBothForms() {
            assertThat(parser.parse(JSON, read("harbor-pull.json")))
                    .isEqualTo(new Notification(List.of(), List.of(new Skipped(null, "pull event"))));
            assertThat(parser.parse(CLOUDEVENTS, read("harbor-cloudevents-pull.json")).skipped())
                    .containsExactly(new Skipped("3f9a6c1e-7d2b-4e8a-9b0c-5d4e3f2a1b0d", "pull event"));
        }

        @Test
        void otherEventTypesAreSkippedNamingTheType() {
            String scan = """
                    {"type":"SCANNING_COMPLETED","occur_at":1795770000,"operator":"auto",
                     "event_data":{"resources":[],"repository":{"repo_full_name":"library/nginx"}}}
                    """;

            assertThat(parser.parse(JSON, utf8(scan)).skipped()).extracting(Skipped::reason)
                    .containsExactly("event type 'SCANNING_COMPLETED' is not an artifact push");
            assertThat(parser.parse(JSON, utf8(scan.replace("SCANNING_COMPLETED", "DELETE_ARTIFACT"))).skipped())
                    .extracting(Skipped::reason).containsExactly("delete event");
        }

        @Test
        void aPushByDigestHasTheDigestAsTagAndIsSkippedAsUntagged() {
            assertThat(parser.parse(JSON, read("harbor-push-by-digest.json")).skipped())
                    .containsExactly(new Skipped(null, "manifest push without a tag"));
        }

        @Test
        void withoutResourceUrlTheRepositoryComesFromRepoFullNameAndTheHostFromConfiguration() {
            String push = """
                    {"type":"PUSH_ARTIFACT","operator":"admin","event_data":{
                      "resources":[{"digest":"sha256:%s","tag":"v1"}],
                      "repository":{"name":"app","namespace":"team-b","repo_full_name":"team-b/app"}}}
                    """.formatted("c".repeat(64));

            ImagePush parsed = new RegistryNotificationParser("harbor.internal:8080").parse(JSON, utf8(push)).pushes().get(0);

            assertThat(parsed.image()).hasToString("harbor.internal:8080/team-b/app:v1@sha256:" + "c".repeat(64));
            assertThatThrownBy(() -> parser.parse(JSON, utf8(push)))
                    .isInstanceOf(MalformedNotificationException.class)
                    .hasMessage("event_data.resources[0].resource_url is missing and no Harbor registry host is"
                            + " configured to fall back on");
        }

        @Test
        void aBadConfiguredHarborHostIsRefusedAtConstruction() {
            assertThatThrownBy(() -> new RegistryNotificationParser("harbor host"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'harbor host'");
        }
    }
}
