package dev.distill.engine.registry;

import static dev.distill.engine.registry.ProtocolTest.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP Basic against a real registry protected by an htpasswd file. */
class BasicAuthIT {

    private static final String PASSWORD = "correct-horse-battery";
    private static final TinyImage IMAGE = TinyImage.sample(Platform.LINUX_AMD64);

    private static LocalRegistry registry;

    @BeforeAll
    static void start() {
        registry = LocalRegistry.builder().basicAuth("distill", PASSWORD).start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void rightPasswordPushesAndResolves() throws Exception {
        RegistryClient client = registry.client();
        ImageReference reference = registry.reference("private/app:1");

        IMAGE.push(client, reference);

        assertThat(client.resolve(reference, Platform.LINUX_AMD64).manifestDigest()).isEqualTo(IMAGE.manifestDigest());
    }

    @Test
    void wrongPasswordIsUnauthorizedWithoutLeakingIt() {
        RegistryClient client = RegistryClient.builder()
                .credentials(RegistryCredentials.fromMap(Map.of(registry.host(), new Credential("distill", "wrong-password"))))
                .build();

        assertFails(() -> client.resolve(registry.reference("private/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.UNAUTHORIZED, "registry " + registry.host() + " rejected the credentials configured for it");
        assertThatThrownBy(() -> client.headDigest(registry.reference("private/app:1")))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-password").doesNotContain(PASSWORD));
    }

    @Test
    void noCredentialsSaysALoginIsRequired() {
        assertFails(() -> RegistryClient.builder().build().resolve(registry.reference("private/app:1"), Platform.LINUX_AMD64),
                RegistryException.Kind.UNAUTHORIZED, "registry " + registry.host() + " requires a login",
                "no credentials are configured for it");
    }
}
