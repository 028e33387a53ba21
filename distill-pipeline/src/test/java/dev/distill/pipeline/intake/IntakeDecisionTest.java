package dev.distill.pipeline.intake;

import static dev.distill.pipeline.intake.Pushes.push;
import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.pipeline.intake.IntakeDecision.Ignored;
import java.util.List;
import org.junit.jupiter.api.Test;

class IntakeDecisionTest {

    private final RepositoryFilter filter = new RepositoryFilter(List.of("demo/**", "distill/**"), List.of("demo/legacy"));
    private final SelfPushGuard guard = SelfPushGuard.defaults();

    @Test
    void acceptsIncludedForeignPushesAndIgnoresTheRestWithReasons() {
        ImagePush app = push("demo/app", "1");
        ImagePush result = push("demo/app", "1-distroless-nginx");
        ImagePush legacy = push("demo/legacy", "2");
        ImagePush other = push("other/app", "3");
        Notification notification = new Notification(List.of(app, result, legacy, other),
                List.of(new Notification.Skipped("b1", "blob push")));

        IntakeDecision decision = IntakeDecision.decide(notification, filter, guard);

        assertThat(decision.accepted()).containsExactly(app);
        assertThat(decision.ignored()).containsExactly(
                new Ignored(result, "tag 'demo/app:1-distroless-nginx' is a Distill result tag"),
                new Ignored(legacy, "repository 'demo/legacy' matches exclude pattern 'demo/legacy'"),
                new Ignored(other, "repository 'other/app' matches no include pattern [demo/**, distill/**]"));
    }

    @Test
    void distillsOwnPushIsIgnoredEvenWhenTheFilterIncludesIt() {
        ImagePush base = push("distill/base-cc", "debian12");

        IntakeDecision decision = IntakeDecision.decide(new Notification(List.of(base), List.of()), filter, guard);

        assertThat(decision.accepted()).isEmpty();
        assertThat(decision.ignored()).extracting(Ignored::reason)
                .containsExactly("repository 'distill/base-cc' is under Distill's base image prefix 'distill/'");
    }

    @Test
    void signatureAndReferrerTagsAreNotImages() {
        String hex = "0123456789abcdef".repeat(4);
        ImagePush signature = push("demo/app", "sha256-" + hex + ".sig");
        ImagePush referrers = push("demo/app", "sha256-" + hex);

        IntakeDecision decision = IntakeDecision.decide(new Notification(List.of(signature, referrers), List.of()),
                filter, guard);

        assertThat(decision.accepted()).isEmpty();
        assertThat(decision.ignored()).extracting(Ignored::reason).allMatch(reason -> reason.contains(
                "names a signature, attestation or referrers index, not an image"));
        // Distill's own SBOMs sit under such a tag (the OCI referrers tag schema): they never start a migration.
        ImagePush notADigest = push("demo/app", "sha256-abc");
        assertThat(IntakeDecision.decide(new Notification(List.of(notADigest), List.of()), filter, guard).accepted())
                .as("not a digest: an ordinary tag").hasSize(1);
    }

    @Test
    void theSamePushTwiceInOneNotificationStartsOneMigration() {
        ImagePush app = push("demo/app", "1");

        IntakeDecision decision = IntakeDecision.decide(new Notification(List.of(app, app), List.of()), filter, guard);

        assertThat(decision.accepted()).containsExactly(app);
        assertThat(decision.ignored()).extracting(Ignored::reason).singleElement().asString()
                .startsWith("repeats an earlier push of 127.0.0.1:5000/demo/app:1@sha256:");
    }

    @Test
    void parsedSamplesFlowThroughTheDecision() {
        Notification notification = new RegistryNotificationParser()
                .parse(Samples.V2, Samples.read("distribution-v2-mixed.json"));

        IntakeDecision decision = IntakeDecision.decide(notification,
                new RepositoryFilter(List.of("shop/*"), List.of("shop/web")), guard);

        assertThat(decision.accepted()).extracting(ImagePush::repository).containsExactly("shop/api");
        assertThat(decision.ignored()).extracting(ignored -> ignored.push().repository()).containsExactly("shop/web");
    }
}
