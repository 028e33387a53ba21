package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RegistryClientBuilderTest {

    private final RegistryTransport transport = new RegistryTransport(RegistryCredentials.anonymous(),
            java.util.Set.of("registry.lan", "other.lan:5000"),
            TransferLimits.DEFAULTS.withConnectTimeout(Duration.ofSeconds(1)).withResponseTimeout(Duration.ofSeconds(1)), "ua",
            Clock.systemUTC());

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "localhost:5000,      http://localhost:5000/v2/",
            "localhost,           http://localhost/v2/",
            "127.0.0.1:5000,      http://127.0.0.1:5000/v2/",
            "127.1.2.3,           http://127.1.2.3/v2/",
            "[::1]:5000,          http://[::1]:5000/v2/",
            "registry.lan:443,    http://registry.lan:443/v2/",
            "other.lan:5000,      http://other.lan:5000/v2/",
            "other.lan:5001,      https://other.lan:5001/v2/",
            "ghcr.io,             https://ghcr.io/v2/",
            "docker.io,           https://registry-1.docker.io/v2/",
            "128.0.0.1:5000,      https://128.0.0.1:5000/v2/",
    })
    void usesPlainHttpOnlyForLoopbackAndInsecureRegistries(String registry, String expected) {
        assertThat(transport.uri(registry, "/v2/").toString()).isEqualTo(expected);
    }

    @Test
    void defaultUserAgentNamesTheVersion() {
        assertThat(RegistryClient.builder().build().userAgent()).matches("distill/[0-9].*");
        assertThat(RegistryClient.builder().userAgent("distill-test/1").build().userAgent()).isEqualTo("distill-test/1");
    }

    @Test
    void rejectsBadSettingsNamingThem() {
        assertThatThrownBy(() -> RegistryClient.builder().insecureRegistry("not a host")).hasMessageContaining("'not a host'");
        assertThatThrownBy(() -> RegistryClient.builder().insecureRegistries(List.of("ok:1", "bad/path")))
                .hasMessageContaining("'bad/path'");
        assertThatThrownBy(() -> RegistryClient.builder().readTimeout(Duration.ZERO)).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> RegistryClient.builder().maxManifestBytes(0)).hasMessageContaining("got 0");
        assertThatThrownBy(() -> RegistryClient.builder().userAgent("bad\nagent")).hasMessageContaining("bad\nagent");
    }

    @Test
    void toStringCarriesNoCredentials() {
        RegistryClient client = RegistryClient.builder()
                .credentials(RegistryCredentials.fromMap(java.util.Map.of("h", new Credential("u", "topsecret"))))
                .build();
        assertThat(client.toString()).doesNotContain("topsecret");
    }
}
