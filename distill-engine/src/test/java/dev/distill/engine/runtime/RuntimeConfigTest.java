package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.ImageConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuntimeConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MemoryFileSystem ACCOUNTS = MemoryFileSystem.builder()
            .file("/etc/passwd", "root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n")
            .file("/etc/group", "root:x:0:\nwww-data:x:33:\nshared:x:500:www-data,other\n")
            .build();

    @Test
    void rootGetsDockersCapabilitiesAndTheImagesCommandInALockedDownContainer() throws Exception {
        ImageConfig image = new ImageConfig(List.of("/usr/sbin/php-fpm"), List.of("-F"), "", List.of("APP=1"), List.of(),
                "/var/www", "SIGQUIT", Map.of(), List.of());
        JsonNode config = JSON.readTree(RuntimeConfig.of(image, Identity.resolve(image.user(), ACCOUNTS))
                .toJson("distill-x", new HostCgroups(true, true, true, true), null, IdMapping.IDENTITY));

        assertThat(config.at("/process/args").toString()).isEqualTo("[\"/usr/sbin/php-fpm\",\"-F\"]");
        assertThat(config.at("/process/env").toString()).contains("PATH=/usr/local/sbin", "APP=1");
        assertThat(config.at("/process/cwd").asText()).isEqualTo("/var/www");
        assertThat(config.at("/process/capabilities/effective")).hasSize(14);
        assertThat(config.at("/process/noNewPrivileges").asBoolean()).isTrue();
        assertThat(config.at("/process/rlimits").isMissingNode()).isTrue();
        assertThat(config.at("/root/readonly").asBoolean()).isTrue();
        assertThat(config.at("/mounts").findValuesAsText("destination")).contains("/proc", "/dev", "/sys", "/tmp", "/run");
        assertThat(config.at("/linux/namespaces").findValuesAsText("type")).containsExactly("pid", "ipc", "uts", "mount", "network");
        assertThat(config.at("/linux/namespaces/4/path").isMissingNode()).isTrue();
        assertThat(config.at("/linux/resources/memory/limit").asLong()).isEqualTo(512L << 20);
        assertThat(config.at("/linux/resources/cpu/quota").asLong()).isEqualTo(100_000);
        assertThat(config.at("/linux/resources/pids/limit").asInt()).isEqualTo(256);
        assertThat(config.at("/annotations/org.opencontainers.image.stopSignal").asText()).isEqualTo("SIGQUIT");

        JsonNode source = JSON.readTree(RuntimeConfig.of(image, Identity.ROOT).withWritableRoot()
                .toJson("distill-x", HostCgroups.NONE, null, IdMapping.IDENTITY));
        assertThat(source.at("/root/readonly").asBoolean()).isFalse();
        assertThat(source.at("/mounts").findValuesAsText("destination")).doesNotContain("/tmp", "/run").contains("/proc");
    }

    @Test
    void aNonRootUserIsResolvedByNameAndGetsNoCapabilitiesAndPodMembersJoinANamespace() throws Exception {
        ImageConfig image = new ImageConfig(List.of(), List.of("nginx"), "www-data", List.of(), List.of(), "", "", Map.of(), List.of());
        RuntimeConfig runtime = RuntimeConfig.of(image, Identity.resolve(image.user(), ACCOUNTS))
                .withNetwork(NetworkMode.join(Path.of("/proc/42/ns/net")))
                .withMount(new BindMount(Path.of("/work/volumes/sock"), "/run/php", false));
        JsonNode config = JSON.readTree(runtime.toJson("c", HostCgroups.NONE, null, IdMapping.IDENTITY));

        assertThat(config.at("/process/user/uid").asInt()).isEqualTo(33);
        assertThat(config.at("/process/user/gid").asInt()).isEqualTo(33);
        assertThat(config.at("/process/user/additionalGids").toString()).isEqualTo("[500]");
        assertThat(config.at("/process/capabilities/bounding")).isEmpty();
        assertThat(config.at("/linux/namespaces/4/path").asText()).isEqualTo("/proc/42/ns/net");
        assertThat(config.at("/linux/resources/memory").isMissingNode()).as("no memory controller, no limit").isTrue();
        assertThat(config.at("/mounts").toString()).contains("\"destination\":\"/run/php\"", "\"source\":\"/work/volumes/sock\"");
    }

    @Test
    void theSandboxAddsItsSeccompProfileAndUserNamespaceAndPodMembersJoinTheFirstOnesNamespaces() throws Exception {
        ImageConfig image = new ImageConfig(List.of("/app"), List.of(), "", List.of(), List.of(), "", "", Map.of(), List.of());
        IdMapping ids = new IdMapping(1_073_741_824L, 1_073_807_360L, 65536);
        JsonNode first = JSON.readTree(RuntimeConfig.of(image, Identity.ROOT)
                .toJson("c", HostCgroups.NONE, SeccompProfile.forArchitecture("amd64"), ids));

        assertThat(first.at("/linux/namespaces").findValuesAsText("type")).containsExactly("pid", "ipc", "uts", "mount", "network", "user");
        assertThat(first.at("/linux/namespaces/5/path").isMissingNode()).isTrue();
        assertThat(first.at("/linux/uidMappings").toString()).isEqualTo("[{\"containerID\":0,\"hostID\":1073741824,\"size\":65536}]");
        assertThat(first.at("/linux/gidMappings").toString()).isEqualTo("[{\"containerID\":0,\"hostID\":1073807360,\"size\":65536}]");
        assertThat(first.at("/linux/seccomp/defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(first.at("/process/noNewPrivileges").asBoolean()).isTrue();

        JsonNode member = JSON.readTree(RuntimeConfig.of(image, Identity.ROOT)
                .withNetwork(new NetworkMode(Path.of("/proc/42/ns/net"), Path.of("/proc/42/ns/user")))
                .toJson("d", HostCgroups.NONE, SeccompProfile.forArchitecture("amd64"), ids));
        assertThat(member.at("/linux/namespaces/4/path").asText()).isEqualTo("/proc/42/ns/net");
        assertThat(member.at("/linux/namespaces/5/path").asText()).isEqualTo("/proc/42/ns/user");
        assertThat(member.at("/linux/uidMappings/0/hostID").asLong()).as("runc owns /dev by them").isEqualTo(1_073_741_824L);

        JsonNode unconfined = JSON.readTree(RuntimeConfig.of(image, Identity.ROOT).toJson("e", HostCgroups.NONE, null, IdMapping.IDENTITY));
        assertThat(unconfined.at("/linux/namespaces").findValuesAsText("type")).doesNotContain("user");
        assertThat(unconfined.at("/linux/seccomp").isMissingNode()).isTrue();
        assertThatThrownBy(() -> new NetworkMode(null, Path.of("/proc/1/ns/user"))).hasMessageContaining("/proc/1/ns/user");
    }
}
