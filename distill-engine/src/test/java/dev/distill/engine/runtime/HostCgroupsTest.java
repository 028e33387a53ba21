package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostCgroupsTest {

    @TempDir
    Path root;

    @Test
    void cgroupV1HierarchiesAreControllersAndMemswMeansSwapAccounting() throws Exception {
        Files.createDirectories(root.resolve("memory"));
        Files.createDirectories(root.resolve("pids"));

        assertThat(HostCgroups.detect(root)).isEqualTo(new HostCgroups(true, false, true, false));
        Files.writeString(root.resolve("memory/memory.memsw.limit_in_bytes"), "max\n");
        assertThat(HostCgroups.detect(root).swapAccounting()).isTrue();
    }

    @Test
    void cgroupV2ListsItsControllers() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory\n");

        assertThat(HostCgroups.detect(root)).isEqualTo(new HostCgroups(true, true, false, true));
    }
}
