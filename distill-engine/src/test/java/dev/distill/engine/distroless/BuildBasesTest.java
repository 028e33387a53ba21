package dev.distill.engine.distroless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BuildBasesTest {

    @Test
    void pinsFollowTheTwoPositionalArgumentsInOrder() {
        assertThat(BaseCommandLine.pinnedVersions(new String[] {"debs", "127.0.0.1:5000", "libc6=2.36-9", "tzdata=2024a-0+deb12u1"}))
                .containsExactly(entry("libc6", "2.36-9"),
                        entry("tzdata", "2024a-0+deb12u1"));
    }

    @Test
    void aPinWithoutVersionIsRefusedNamingIt() {
        assertThatThrownBy(() -> BaseCommandLine.pinnedVersions(new String[] {"debs", "r", "libc6="}))
                .hasMessage("not package=version: libc6=");
        assertThatThrownBy(() -> BaseCommandLine.pinnedVersions(new String[] {"debs", "r", "=1.0"}))
                .hasMessage("not package=version: =1.0");
    }

    @Test
    void bothCommandsExitTwoOnABadPin() {
        for (boolean java : new boolean[] {false, true}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
            String[] args = {"debs", "127.0.0.1:5000", "libc6"};
            int code = java ? BuildJavaBase.run(args, System.out, errStream) : BuildBases.run(args, System.out, errStream);
            assertThat(code).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("not package=version: libc6");
        }
    }
}
