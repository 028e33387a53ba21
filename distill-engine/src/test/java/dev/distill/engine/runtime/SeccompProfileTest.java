package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.runtime.trace.FileAccessTrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SeccompProfileTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anAllowlistThatRefusesByDefaultWithEperm() {
        JsonNode seccomp = written(SeccompProfile.forArchitecture("amd64"));

        assertThat(seccomp.path("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(seccomp.path("defaultErrnoRet").asInt()).isEqualTo(1);
        assertThat(seccomp.path("architectures").toString()).isEqualTo("[\"SCMP_ARCH_X86_64\"]");
        assertThat(SeccompProfile.forArchitecture("arm64").architectures()).containsExactly("SCMP_ARCH_AARCH64");
        assertThatThrownBy(() -> SeccompProfile.forArchitecture("s390x")).hasMessageContaining("'s390x'");
        JsonNode allowAll = seccomp.path("syscalls").get(0);
        assertThat(allowAll.path("action").asText()).isEqualTo("SCMP_ACT_ALLOW");
        assertThat(allowAll.has("args")).isFalse();
        assertThat(names(allowAll)).contains("read", "openat", "execve", "futex", "epoll_wait", "accept4", "setuid", "chroot")
                .doesNotContain("clone", "socket", "personality");
    }

    @Test
    void theCallsAContainerMustNotMakeAreRefusedAndNeverAllowed() {
        Set<String> allowed = SeccompProfile.allowedCalls();
        // The list and Docker's documented ones, plus Distill's tightenings.
        assertThat(SeccompProfile.deniedCalls()).containsKeys("unshare", "keyctl", "bpf", "ptrace", "mount", "kexec_load",
                "add_key", "request_key", "setns", "userfaultfd", "perf_event_open", "open_by_handle_at", "init_module",
                "reboot", "swapon", "clock_settime", "io_uring_setup", "modify_ldt", "process_vm_readv", "pivot_root");
        assertThat(allowed).doesNotContainAnyElementsOf(SeccompProfile.deniedCalls().keySet())
                .doesNotContainAnyElementsOf(SeccompProfile.CONDITIONAL);
        assertThat(SeccompProfile.deniedCalls().keySet()).doesNotContainAnyElementsOf(SeccompProfile.CONDITIONAL);
        // Every call the trace reports as refused is one the sandbox refuses (outright or under a condition).
        assertThat(FileAccessTrace.DENIED_CALLS).allSatisfy(call -> assertThat(
                SeccompProfile.deniedCalls().containsKey(call) || SeccompProfile.CONDITIONAL.contains(call)).as(call).isTrue());
    }

    @Test
    void cloneIsAllowedOnlyWithoutNamespaceFlagsAndClone3FallsBackToIt() {
        JsonNode rules = written(SeccompProfile.forHost()).path("syscalls");
        JsonNode clone = rule(rules, "clone").get(0);
        assertThat(clone.path("action").asText()).isEqualTo("SCMP_ACT_ALLOW");
        JsonNode arg = clone.path("args").get(0);
        assertThat(arg.path("op").asText()).isEqualTo("SCMP_CMP_MASKED_EQ");
        assertThat(arg.path("index").asInt()).isZero();
        assertThat(arg.path("valueTwo").asLong()).isZero();
        long mask = arg.path("value").asLong();
        for (long flag : new long[] {0x00020000L, 0x02000000L, 0x04000000L, 0x08000000L, 0x10000000L, 0x20000000L, 0x40000000L}) {
            assertThat(mask & flag).as("namespace flag %x", flag).isEqualTo(flag);
        }
        assertThat(mask & 0x00010000L).as("CLONE_THREAD stays allowed").isZero();
        JsonNode clone3 = rule(rules, "clone3").get(0);
        assertThat(clone3.path("action").asText()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(clone3.path("errnoRet").asInt()).isEqualTo(38);
        assertThat(rule(rules, "personality")).extracting(r -> r.at("/args/0/value").asLong())
                .containsExactlyInAnyOrder(0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL);
        assertThat(rule(rules, "socket")).extracting(r -> r.at("/args/0/value").asLong()).containsExactlyInAnyOrder(1L, 2L, 10L, 16L);
    }

    @Test
    void everyCallOfTheKernelHeadersIsDecided() throws Exception {
        // The installed kernel headers list the calls a program can make; each is allowed, denied with a reason, or
        // conditional, so a call is never open by oversight (and a new one is refused until decided).
        Path header = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
        assumeTrue(Files.isRegularFile(header), "no x86_64 kernel headers (linux-libc-dev)");
        Matcher m = Pattern.compile("#define __NR_(\\w+) \\d+").matcher(Files.readString(header));
        Set<String> decided = new HashSet<>(SeccompProfile.allowedCalls());
        decided.addAll(SeccompProfile.deniedCalls().keySet());
        decided.addAll(SeccompProfile.CONDITIONAL);
        List<String> open = new ArrayList<>();
        int calls = 0;
        while (m.find()) {
            calls++;
            if (!decided.contains(m.group(1))) {
                open.add(m.group(1));
            }
        }
        assertThat(calls).isGreaterThan(300);
        assertThat(open).as("calls neither allowed nor denied").isEmpty();
    }

    private static JsonNode written(SeccompProfile profile) {
        ObjectNode linux = JSON.createObjectNode();
        profile.writeTo(linux);
        return linux.path("seccomp");
    }

    private static List<JsonNode> rule(JsonNode rules, String name) {
        List<JsonNode> found = new ArrayList<>();
        rules.forEach(r -> {
            if (names(r).contains(name)) {
                found.add(r);
            }
        });
        return found;
    }

    private static Set<String> names(JsonNode rule) {
        Set<String> names = new TreeSet<>();
        rule.path("names").forEach(n -> names.add(n.asText()));
        return names;
    }
}
