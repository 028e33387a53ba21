package dev.distill.pipeline.intake;

import static dev.distill.pipeline.intake.Pushes.push;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SelfPushGuardTest {

    private final SelfPushGuard guard = SelfPushGuard.defaults();

    @Test
    void aNormalPushIsNotOwn() {
        assertThat(guard.ownPushReason(push("demo/app", "1"))).isEmpty();
        assertThat(guard.ownPushReason(push("demo/distroless", "latest"))).as("only the tag marks a result").isEmpty();
        assertThat(guard.ownPushReason(push("team/distill-web", "1"))).as("prefix is 'distill/'").isEmpty();
        assertThat(guard.ownPushReason(push("demo/app", "1", null))).isEmpty();
    }

    @Test
    void aResultTagIsOwn() {
        assertThat(guard.ownPushReason(push("app", "1-distroless-nginx")))
                .contains("tag 'app:1-distroless-nginx' is a Distill result tag");
        assertThat(guard.ownPushReason(push("demo/app", "8.3-fpm-distroless"))).isPresent();
    }

    @Test
    void aBaseImageRepositoryIsOwn() {
        assertThat(guard.ownPushReason(push("distill/base-cc", "debian12")))
                .contains("repository 'distill/base-cc' is under Distill's base image prefix 'distill/'");
    }

    @Test
    void distillsUserAgentIsOwnWhateverTheRepositoryAndTag() {
        assertThat(guard.ownPushReason(push("demo/app", "1", "distill/0.1.0 (builder)")))
                .contains("User-Agent 'distill/0.1.0 (builder)' is Distill's registry client");
        assertThat(guard.ownPushReason(push("demo/app", "1", "Distill/0.1.0"))).as("case-insensitive").isPresent();
        assertThat(guard.ownPushReason(push("demo/app", "1", "not-distill/1"))).isEmpty();
    }

    @Test
    void everySignIsConfigurable() {
        SelfPushGuard custom = new SelfPushGuard("^v\\d+-slim$", List.of("platform/bases/", "mirror/"), "jib ");

        assertThat(custom.ownPushReason(push("demo/app", "v2-slim"))).isPresent();
        assertThat(custom.ownPushReason(push("demo/app", "1-distroless-nginx"))).isEmpty();
        assertThat(custom.ownPushReason(push("mirror/alpine", "3"))).isPresent();
        assertThat(custom.ownPushReason(push("demo/app", "1", "jib 0.28.1 distill"))).isPresent();
        assertThat(new SelfPushGuard("-distroless", List.of(), null).ownPushReason(push("demo/app", "1", "distill/1")))
                .as("a null User-Agent prefix turns the check off").isEmpty();
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        assertThatThrownBy(() -> new SelfPushGuard("(-distroless", List.of(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("result tag pattern '(-distroless' is not a valid regular expression");
        assertThatThrownBy(() -> new SelfPushGuard("", List.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> new SelfPushGuard("-distroless", List.of(" "), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("base repository prefix ' '");
        assertThatThrownBy(() -> new SelfPushGuard("-distroless", List.of(), " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("User-Agent prefix is blank");
    }
}
