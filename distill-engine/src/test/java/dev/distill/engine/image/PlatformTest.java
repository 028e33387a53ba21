package dev.distill.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PlatformTest {

    @Test
    void parsesAndMatchesVariantsLoosely() {
        Platform arm = Platform.parse("linux/arm64/v8");
        assertThat(arm).isEqualTo(new Platform("linux", "arm64", "v8"));
        assertThat(arm.toString()).isEqualTo("linux/arm64/v8");
        assertThat(Platform.parse("linux/arm64").matches(arm)).isTrue();
        assertThat(arm.matches(Platform.parse("linux/arm64/v7"))).isFalse();
        assertThat(Platform.LINUX_AMD64.matches(arm)).isFalse();
    }

    @Test
    void rejectsBadPlatformsNamingThem() {
        assertThatThrownBy(() -> Platform.parse("linux")).hasMessageContaining("'linux'");
        assertThatThrownBy(() -> Platform.parse("Linux/AMD64")).hasMessageContaining("'Linux'");
    }
}
