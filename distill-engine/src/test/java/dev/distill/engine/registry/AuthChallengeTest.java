package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

    @Test
    void parsesDockerHubStyleBearerChallenge() {
        List<AuthChallenge> challenges = AuthChallenge.parse(List.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\""));

        assertThat(challenges).singleElement().satisfies(c -> {
            assertThat(c.isBearer()).isTrue();
            assertThat(c.realm()).isEqualTo("https://auth.docker.io/token");
            assertThat(c.params()).containsEntry("service", "registry.docker.io");
            assertThat(c.scopes()).containsExactly("repository:library/alpine:pull");
        });
    }

    @Test
    void parsesBasicWithSpacesAndPrefersBearerAmongSeveral() {
        List<AuthChallenge> challenges = AuthChallenge.parse(List.of("Basic realm=\"Registry Realm\"",
                "Bearer realm=\"https://t/token\", scope=\"repository:a:pull repository:b:pull\""));

        assertThat(challenges).extracting(AuthChallenge::scheme).containsExactly("bearer", "basic");
        assertThat(challenges.get(0).scopes()).containsExactly("repository:a:pull", "repository:b:pull");
        assertThat(challenges.get(1).realm()).isEqualTo("Registry Realm");
        assertThat(challenges.get(1).describe()).isEqualTo("Basic realm \"Registry Realm\"");
    }

    @Test
    void handlesTwoChallengesInOneHeaderAndEscapes() {
        List<AuthChallenge> challenges = AuthChallenge.parse(List.of(
                "Basic realm=\"a \\\"quoted\\\" realm\", Bearer realm=\"https://t/token\",service=svc"));

        assertThat(challenges).hasSize(2);
        assertThat(challenges.get(0).params()).containsEntry("service", "svc");
        assertThat(challenges.get(1).realm()).isEqualTo("a \"quoted\" realm");
    }

    @Test
    void bearerWithoutRealmIsNotUsable() {
        assertThat(AuthChallenge.parse(List.of("Bearer service=x")).get(0).isBearer()).isFalse();
        assertThat(AuthChallenge.parse(List.of(""))).isEmpty();
    }
}
