package dev.distill.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.runtime.Confinement;
import dev.distill.engine.runtime.HostIdPool;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SandboxBeansTest {

    @Test
    void theSettingsSelectTheRuntimeTheProfileAndTheIdPool() {
        Confinement defaults = new SandboxBeans().confinement(settings("runc", true, true, Optional.empty()));
        assertThat(defaults.runtime()).isEqualTo("runc");
        assertThat(defaults.seccomp()).isNotNull();
        assertThat(defaults.userNamespaces().lockDirectory()).isEqualTo(Path.of("/tmp/locks"));

        Confinement custom = new SandboxBeans().confinement(settings("/usr/local/bin/runsc", false, true, Optional.of(300_000_000L)));
        assertThat(custom.runtime()).isEqualTo("/usr/local/bin/runsc");
        assertThat(custom.seccomp()).isNull();
        HostIdPool pool = custom.userNamespaces();
        assertThat(pool.firstUid()).isEqualTo(300_000_000L);
        assertThat(pool.firstGid()).isEqualTo(300_000_000L);
        assertThat(pool.ranges()).isEqualTo(8);

        assertThat(new SandboxBeans().confinement(settings("runc", true, false, Optional.empty())).userNamespaces()).isNull();
    }

    private static SandboxSettings settings(String runtime, boolean seccomp, boolean userNamespaces, Optional<Long> first) {
        return new SandboxSettings() {
            @Override
            public String runtime() {
                return runtime;
            }

            @Override
            public boolean seccomp() {
                return seccomp;
            }

            @Override
            public boolean userNamespaces() {
                return userNamespaces;
            }

            @Override
            public Optional<Long> firstHostUid() {
                return first;
            }

            @Override
            public Optional<Long> firstHostGid() {
                return Optional.empty();
            }

            @Override
            public int idRanges() {
                return 8;
            }

            @Override
            public String idLockDirectory() {
                return "/tmp/locks";
            }
        };
    }
}
