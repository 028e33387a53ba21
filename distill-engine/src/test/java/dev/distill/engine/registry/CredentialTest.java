package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CredentialTest {

    @Test
    void toStringHidesThePassword() {
        Credential credential = new Credential("robot", "hunter2");
        assertThat(credential.toString()).contains("robot").doesNotContain("hunter2");
    }

    @Test
    void rejectsMissingParts() {
        assertThatThrownBy(() -> new Credential(" ", "x")).hasMessageContaining("' '");
        assertThatThrownBy(() -> new Credential("robot", null)).hasMessageContaining("'robot'");
    }

    @Test
    void mapLooksUpByHostAndKnowsDockerHubAliases() {
        Credential local = new Credential("a", "1");
        Credential hub = new Credential("b", "2");
        RegistryCredentials credentials = RegistryCredentials.fromMap(Map.of("127.0.0.1:5000", local, "docker.io", hub));

        assertThat(credentials.forRegistry("127.0.0.1:5000")).contains(local);
        assertThat(credentials.forRegistry("127.0.0.1:5001")).isEmpty();
        assertThat(credentials.forRegistry("registry-1.docker.io")).contains(hub);
        assertThat(RegistryCredentials.anonymous().forRegistry("docker.io")).isEmpty();
    }
}
