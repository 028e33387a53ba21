package dev.distill.engine.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalRegistryTest {

    @Test
    void missingBinarySaysHowToInstallIt() {
        assertThatThrownBy(() -> LocalRegistry.builder().binary(Path.of("/nonexistent/docker-registry")).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("docker-registry is not installed: run `apt-get install docker-registry`"
                        + " (deploy/local/install-prereqs.sh does it)");
    }
}
