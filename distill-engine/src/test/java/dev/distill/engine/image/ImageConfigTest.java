package dev.distill.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageConfigTest {

    @Test
    void parsesTheRuntimeFieldsOfADockerConfig() {
        // Shaped like php:8.3-fpm-alpine's config, trimmed.
        String json = """
                {"architecture":"amd64","os":"linux",
                 "config":{"User":"www-data","ExposedPorts":{"9000/tcp":{}},
                   "Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","PHP_VERSION=8.3.14"],
                   "Entrypoint":["docker-php-entrypoint"],"Cmd":["php-fpm"],"WorkingDir":"/var/www/html",
                   "Labels":{"maintainer":"someone","b":"2"},"StopSignal":"SIGQUIT","Volumes":{"/data":{}}},
                 "rootfs":{"type":"layers","diff_ids":[]}}
                """;

        ImageConfig config = ImageConfig.parse(json.getBytes(StandardCharsets.UTF_8));

        assertThat(config.entrypoint()).containsExactly("docker-php-entrypoint");
        assertThat(config.cmd()).containsExactly("php-fpm");
        assertThat(config.user()).isEqualTo("www-data");
        assertThat(config.env()).hasSize(2);
        assertThat(config.envValue("PHP_VERSION")).isEqualTo("8.3.14");
        assertThat(config.envValue("MISSING")).isNull();
        assertThat(config.exposedPorts()).containsExactly("9000/tcp");
        assertThat(config.workingDir()).isEqualTo("/var/www/html");
        assertThat(config.stopSignal()).isEqualTo("SIGQUIT");
        assertThat(config.labels()).containsExactly(Map.entry("maintainer", "someone"), Map.entry("b", "2"));
        assertThat(config.volumes()).containsExactly("/data");
    }

    @Test
    void treatsNullAndMissingAsEmpty() {
        ImageConfig config = ImageConfig.parse("""
                {"config":{"Entrypoint":null,"Cmd":null,"Env":null,"Labels":null}}""".getBytes(StandardCharsets.UTF_8));
        assertThat(config).isEqualTo(ImageConfig.EMPTY);
        assertThat(ImageConfig.parse("{}".getBytes(StandardCharsets.UTF_8))).isEqualTo(ImageConfig.EMPTY);
        assertThat(ImageConfig.EMPTY.user()).isEmpty();
        assertThat(ImageConfig.EMPTY.entrypoint()).isEmpty();
    }

    @Test
    void acceptsTheLegacyStringFormOfCmd() {
        ImageConfig config = ImageConfig.parse("""
                {"config":{"Cmd":"/bin/sh -c run"}}""".getBytes(StandardCharsets.UTF_8));
        assertThat(config.cmd()).containsExactly("/bin/sh -c run");
    }

    @Test
    void rejectsMalformedInputSayingWhere() {
        assertThatThrownBy(() -> ImageConfig.parse("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> ImageConfig.parse("[1]".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("'[1]'");
        assertThatThrownBy(() -> ImageConfig.parse("""
                {"config":{"Env":[1]}}""".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("'Env'");
        assertThatThrownBy(() -> ImageConfig.parse("""
                {"config":{"User":7}}""".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("'User'");
        assertThatThrownBy(() -> ImageConfig.parse("""
                {"config":{"ExposedPorts":["80"]}}""".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("'ExposedPorts'");
    }

    @Test
    void constructorCopiesAndRejectsNullEntries() {
        List<String> env = new java.util.ArrayList<>(List.of("A=1"));
        ImageConfig config = new ImageConfig(null, null, null, env, null, null, null, null, null);
        env.add("B=2");
        assertThat(config.env()).containsExactly("A=1");
        assertThatThrownBy(() -> new ImageConfig(Arrays.asList("x", null), null, null, null, null, null, null, null, null))
                .hasMessageContaining("entrypoint").hasMessageContaining("[x, null]");
    }
}
