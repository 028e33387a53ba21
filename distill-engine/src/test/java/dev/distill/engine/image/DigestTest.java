package dev.distill.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {

    @Test
    void hashesAndRoundTrips() {
        Digest digest = Digest.sha256("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(digest.toString()).isEqualTo("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(Digest.parse(digest.toString())).isEqualTo(digest);
        assertThat(Digest.of("sha256", "hello".getBytes(StandardCharsets.UTF_8))).isEqualTo(digest);
        assertThat(Digest.of("sha512", new byte[0]).hex()).hasSize(128).startsWith("cf83e135");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256:abc", "sha256:" + "A", "md5:d41d8cd98f00b204e9800998ecf8427e", "nocolon", ":abc"})
    void rejectsBadDigestsNamingThem(String text) {
        assertThatThrownBy(() -> Digest.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text);
    }

    @Test
    void rejectsUnknownAlgorithmsWhenHashing() {
        assertThatThrownBy(() -> Digest.of("md5", new byte[0])).hasMessageContaining("'md5'");
    }
}
