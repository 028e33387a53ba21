package dev.distill.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

    private static final String HEX = "a".repeat(64);

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "-", value = {
            // text,                                   registry,               repository,          tag,     digest,              canonical
            "alpine,                                   registry-1.docker.io,   library/alpine,      latest,  -,                   registry-1.docker.io/library/alpine:latest",
            "alpine:3.20,                              registry-1.docker.io,   library/alpine,      3.20,    -,                   registry-1.docker.io/library/alpine:3.20",
            "trafex/php-nginx:3.5.0,                   registry-1.docker.io,   trafex/php-nginx,    3.5.0,   -,                   registry-1.docker.io/trafex/php-nginx:3.5.0",
            "php:8.3-fpm-alpine,                       registry-1.docker.io,   library/php,         8.3-fpm-alpine, -,            registry-1.docker.io/library/php:8.3-fpm-alpine",
            "host:5000/a/b:tag,                        host:5000,              a/b,                 tag,     -,                   host:5000/a/b:tag",
            "localhost/app,                            localhost,              app,                 latest,  -,                   localhost/app:latest",
            "localhost:5000/team/app:v1,               localhost:5000,         team/app,            v1,      -,                   localhost:5000/team/app:v1",
            "127.0.0.1:5000/demo/app:1,                127.0.0.1:5000,         demo/app,            1,       -,                   127.0.0.1:5000/demo/app:1",
            "ghcr.io/org/sub/app:main,                 ghcr.io,                org/sub/app,         main,    -,                   ghcr.io/org/sub/app:main",
            "[::1]:5000/app:x,                         [::1]:5000,             app,                 x,       -,                   [::1]:5000/app:x",
    })
    void parsesAndPrintsCanonically(String text, String registry, String repository, String tag, String digest, String canonical) {
        ImageReference reference = ImageReference.parse(text);

        assertThat(reference.registry()).isEqualTo(registry);
        assertThat(reference.repository()).isEqualTo(repository);
        assertThat(reference.tag()).isEqualTo(tag);
        assertThat(reference.digest()).isNull();
        assertThat(reference.toString()).isEqualTo(canonical);
        assertThat(ImageReference.parse(reference.toString())).isEqualTo(reference);
    }

    @Test
    void parsesDigestReferences() {
        ImageReference pinned = ImageReference.parse("alpine@sha256:" + HEX);
        assertThat(pinned.tag()).isNull();
        assertThat(pinned.digest()).isEqualTo(new Digest("sha256", HEX));
        assertThat(pinned.manifestReference()).isEqualTo("sha256:" + HEX);
        assertThat(pinned.toString()).isEqualTo("registry-1.docker.io/library/alpine@sha256:" + HEX);
        assertThat(ImageReference.parse(pinned.toString())).isEqualTo(pinned);

        ImageReference both = ImageReference.parse("host:5000/a/b:tag@sha256:" + HEX);
        assertThat(both.registry()).isEqualTo("host:5000");
        assertThat(both.tag()).isEqualTo("tag");
        assertThat(both.manifestReference()).as("the digest wins").isEqualTo("sha256:" + HEX);
        assertThat(ImageReference.parse(both.toString())).isEqualTo(both);
    }

    @Test
    void withDigestAndWithTagDeriveReferences() {
        ImageReference reference = ImageReference.parse("127.0.0.1:5000/demo/app:1");
        Digest digest = new Digest("sha256", HEX);

        assertThat(reference.withDigest(digest).toString()).isEqualTo("127.0.0.1:5000/demo/app:1@sha256:" + HEX);
        assertThat(reference.withTag("2").toString()).isEqualTo("127.0.0.1:5000/demo/app:2");
        assertThat(reference.repositoryLocation()).isEqualTo("127.0.0.1:5000/demo/app");
        assertThat(reference.digestIfPinned()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "UPPER/case", "host:5000/a/b:bad tag", "a@sha256:short", "a@md5:abc",
            "host:5000/-lead:1", "a//b", "app:"})
    void rejectsBadReferencesNamingThem(String text) {
        assertThatThrownBy(() -> ImageReference.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @Test
    void rejectsBadComponentsNamingTheValue() {
        assertThatThrownBy(() -> new ImageReference("bad host", "app", "1", null))
                .hasMessageContaining("'bad host'");
        assertThatThrownBy(() -> new ImageReference("host", "App", "1", null))
                .hasMessageContaining("'App'");
        assertThatThrownBy(() -> new ImageReference("host", "app", "-x", null))
                .hasMessageContaining("'-x'");
        assertThatThrownBy(() -> ImageReference.parse(null)).hasMessageContaining("'null'");
    }

    @Test
    void defaultsToLatestWithoutTagOrDigest() {
        assertThat(new ImageReference("host", "app", null, null).tag()).isEqualTo("latest");
    }
}
