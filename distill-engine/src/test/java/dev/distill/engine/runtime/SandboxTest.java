package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.runtime.probe.HttpCheck;
import dev.distill.engine.runtime.probe.ProbeResult;
import dev.distill.engine.runtime.probe.Prober;
import dev.distill.engine.runtime.trace.FileAccessTrace;
import dev.distill.engine.runtime.trace.StraceSession;
import dev.distill.engine.testing.FixtureImages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real containers under runc, built from the host's static busybox and the hostile fixture (fixtures/hostile): what
 * the sandbox allows and what it stops, and that nothing of a container remains after it.
 */
class SandboxTest {

    @TempDir
    Path temp;

    private Sandbox sandbox;

    @BeforeEach
    void open() throws IOException {
        assumeTrue(Busybox.runnable(), "needs root, runc, nsenter, curl, strace and /bin/busybox");
        sandbox = Sandbox.open(temp.resolve("sandbox"), Sandbox.Options.defaults().withTimeLimit(Duration.ofSeconds(20)));
    }

    @AfterEach
    void close() throws Exception {
        if (sandbox != null) {
            closeAndExpectNothingLeft(sandbox);
        }
    }

    /** Closes the sandbox and checks that nothing of its containers remains: runc state, cgroups, mounts, processes, ids. */
    static void closeAndExpectNothingLeft(Sandbox sandbox) throws Exception {
        Path state = sandbox.runc().stateRoot();
        List<String> ids = sandbox.containers().stream().map(ContainerRun::id).toList();
        List<Path> cgroups = sandbox.containers().stream().flatMap(c -> c.cgroupDirectories().stream()).toList();
        IdMapping mapping = sandbox.idMapping();
        sandbox.close();
        assertThat(sandbox.workDir()).doesNotExist();
        for (String id : ids) {
            assertThat(new Runc(state).state(id)).as("runc still knows %s", id).isEmpty();
        }
        assertThat(cgroups).as("cgroups of the containers").allSatisfy(dir -> assertThat(dir).doesNotExist());
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(sandbox.workDir().toString());
        // runc delete has sent SIGKILL; a killed process may take a moment to exit.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (HostProcesses.anyIn(HostProcesses.ids(), mapping) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(HostProcesses.anyIn(HostProcesses.ids(), mapping)).as("a process still runs with the sandbox's ids").isFalse();
        assertThat(sandbox.options().confinement().userNamespaces().isLeased(mapping)).as("the id range is still leased").isFalse();
    }

    @Test
    void aServerAnswersItsHttpProbeAsItsNonRootUser() throws Exception {
        ContainerRun run = sandbox.create("web", Busybox.image().file("/www/index.html", "hello from busybox\n").build(),
                Busybox.config("/bin/httpd", "-f", "-p", "8080", "-h", "/www").withUser(new Identity(1000, 1000, List.of(2000), "", "")));
        run.start();

        ProbeResult http = Prober.of(run).http(HttpCheck.ok(8080, "/index.html"), Duration.ofSeconds(10));
        ProbeResult tcp = Prober.of(run).tcp(8080, Duration.ofSeconds(5));
        ProbeResult missing = Prober.of(run).http(new HttpCheck(8080, "/nope", 404), Duration.ofSeconds(5));

        assertThat(http.passed()).as("%s", http).isTrue();
        assertThat(http.answer().status()).isEqualTo(200);
        assertThat(http.answer().body()).isEqualTo("hello from busybox\n");
        assertThat(tcp.passed()).as("%s", tcp).isTrue();
        assertThat(missing.passed()).as("%s", missing).isTrue();
        // The host sees the sandbox's ids for the container's 1000 and 2000.
        IdMapping ids = sandbox.idMapping();
        assertThat(Files.readString(Path.of("/proc", Integer.toString(run.pid()), "status")))
                .containsPattern("Uid:\\s+" + ids.hostUid(1000) + "\\s").containsPattern("Groups:\\s+" + ids.hostGid(2000));
        // httpd is pid 1 of its namespace and has no SIGTERM handler, so the kernel ignores the signal: stop escalates.
        assertThat(run.stop(Duration.ofSeconds(1))).isEqualTo(ContainerRun.StopOutcome.KILLED);
        assertThat(run.isRunning()).isFalse();
    }

    @Test
    void aProcessThatExitsAtOnceFailsItsProbesWithItsOutput() throws Exception {
        ContainerRun run = sandbox.create("broken", Busybox.image().build(),
                Busybox.shell("echo 'fatal: config not found' >&2; exit 3"));
        run.start();

        ProbeResult up = Prober.of(run).staysUp(Duration.ofSeconds(3));
        ProbeResult http = Prober.of(run).http(HttpCheck.ok(8080, "/"), Duration.ofSeconds(10));

        assertThat(up.passed()).isFalse();
        assertThat(up.evidence()).contains("process ended");
        assertThat(up.logExcerpt()).contains("fatal: config not found");
        assertThat(http.passed()).isFalse();
        assertThat(http.answer()).isNull();
        assertThat(http.logExcerpt()).contains("fatal: config not found");
    }

    @Test
    void stopSendsTheImagesStopSignal() throws Exception {
        RuntimeConfig shell = Busybox.shell("trap 'echo GOT-QUIT; exit 0' QUIT; echo READY; while :; do sleep 0.1; done");
        ContainerRun run = sandbox.create("graceful", Busybox.image().build(), new RuntimeConfig(shell.args(), shell.env(),
                shell.cwd(), shell.user(), shell.hostname(), shell.limits(), shell.network(), shell.mounts(), true, "SIGQUIT"));
        run.start();
        for (int i = 0; i < 100 && !run.log().contains("READY"); i++) {
            Thread.sleep(50);  // the trap is set once READY is printed
        }

        assertThat(run.stop(Duration.ofSeconds(5))).isEqualTo(ContainerRun.StopOutcome.STOPPED_BY_SIGNAL);
        assertThat(run.log()).contains("GOT-QUIT");
        assertThat(run.stop(Duration.ofSeconds(1))).isEqualTo(ContainerRun.StopOutcome.ALREADY_STOPPED);
    }

    @Test
    void aMissingEntrypointFailsAtCreateWithRuncsReasonAndLeavesNothing() throws Exception {
        assertThatThrownBy(() -> sandbox.create("missing", Busybox.image().build(), Busybox.config("/usr/sbin/php-fpm")))
                .isInstanceOf(IOException.class).hasMessageContaining("/usr/sbin/php-fpm");
        assertThat(sandbox.runc().list()).isEmpty();
        try (var left = Files.list(sandbox.workDir())) {
            assertThat(left.map(p -> p.getFileName().toString())).allMatch(n -> n.equals("runc") || n.equals(OwnedDirectory.LOCK_FILE));
        }
    }

    @Test
    void aForkBombHitsThePidsLimitAndIsKilledAtTheTimeLimit() throws Exception {
        assumeTrue(HostCgroups.detect().pids(), "host has no pids controller");
        sandbox.close();
        sandbox = Sandbox.open(temp.resolve("bomb"), Sandbox.Options.defaults().withTimeLimit(Duration.ofSeconds(3)));
        ContainerRun run = sandbox.create("bomb", Busybox.image().build(),
                Busybox.shell("bomb() { bomb | bomb & }; bomb; sleep 60").withLimits(new ResourceLimits(64L << 20, 500, 32)));
        Path pidsCgroup = cgroup(run.pid(), "pids");
        run.start();

        assertThat(run.awaitExit(Duration.ofSeconds(15))).isTrue();
        assertThat(run.timedOut()).isTrue();
        assertThat(Files.readString(pidsCgroup.resolve("pids.max")).strip()).isEqualTo("32");
        ResourceUsage usage = run.resourceUsage();
        assertThat(usage.pidsLimitReached()).as("%s", usage).isTrue();
        assertThat(usage.limitsReached()).anyMatch(l -> l.startsWith("its pids limit of 32 tasks: ") && l.endsWith(" refused"));
        assertThat(new ProcessBuilder("true").start().waitFor()).as("the host can still fork").isZero();
    }

    @Test
    void aMemoryHogIsKilledAtItsMemoryLimitAndTheCountersSaySo() throws Exception {
        assumeTrue(HostCgroups.detect().memory(), "host has no memory controller");
        ContainerRun run = sandbox.create("hog", hostileImage(), Busybox.config("/hostile", "memhog")
                .withLimits(new ResourceLimits(32L << 20, 1000, 64)));
        run.start();

        assertThat(run.awaitExit(Duration.ofSeconds(15))).as("the OOM killer ends it").isTrue();
        assertThat(run.timedOut()).isFalse();
        ResourceUsage usage = run.resourceUsage();
        assertThat(usage.memoryLimitReached()).as("%s", usage).isTrue();
        assertThat(usage.memoryPeakBytes()).isLessThanOrEqualTo(32L << 20);
        assertThat(usage.memoryEvidence()).startsWith("its memory limit of 32.0 MiB: the kernel killed 1 process");
        assertThat(run.log()).contains("holding 16 MiB").doesNotContain("holding 48 MiB");
    }

    @Test
    void aBusyLoopThatIgnoresSigtermRunsAtItsCpuLimitAndIsKilled() throws Exception {
        assumeTrue(HostCgroups.detect().cpu(), "host has no cpu controller");
        // A tenth of a CPU: even on a loaded machine a spinning program gets that much, so it runs at its limit.
        ContainerRun run = sandbox.create("spin", hostileImage(), Busybox.config("/hostile", "spin")
                .withLimits(new ResourceLimits(64L << 20, 100, 64)));
        run.start();
        for (int i = 0; i < 200 && !run.log().contains("spinning"); i++) {
            Thread.sleep(50);  // SIGTERM is ignored once it says so
        }
        ResourceUsage usage = run.resourceUsage();
        for (int i = 0; i < 150 && !usage.cpuLimitReached(); i++) {
            Thread.sleep(200);  // at least a second of running at the quota
            usage = run.resourceUsage();
        }
        assertThat(usage.cpuLimitReached()).as("%s", usage).isTrue();
        assertThat(usage.cpuEvidence()).startsWith("its CPU limit of 0.10 CPU: used ");

        assertThat(run.stop(Duration.ofSeconds(1))).isEqualTo(ContainerRun.StopOutcome.KILLED);
        assertThat(run.resourceUsage().memoryLimitReached()).isFalse();
        assertThat(run.resourceUsage().pidsLimitReached()).isFalse();
    }

    @Test
    void aBusyLoopIsKilledAtTheTimeLimit() throws Exception {
        sandbox.close();
        sandbox = Sandbox.open(temp.resolve("busy"), Sandbox.Options.defaults().withTimeLimit(Duration.ofSeconds(3)));
        ContainerRun run = sandbox.create("busy", Busybox.image().build(), Busybox.shell("while :; do :; done"));
        run.start();

        assertThat(run.awaitExit(Duration.ofSeconds(1))).isFalse();
        assertThat(run.awaitExit(Duration.ofSeconds(15))).isTrue();
        assertThat(run.timedOut()).isTrue();
    }

    @Test
    void theSeccompProfileRefusesEveryEscapeCallAndTheHostStaysAsItWas() throws Exception {
        ContainerRun run = sandbox.create("escape", hostileImage(), Busybox.config("/hostile", "escape"));
        try (StraceSession strace = StraceSession.attach(run.pid(), run.bundle().resolve("strace.out"))) {
            run.start();
            assertThat(run.awaitExit(Duration.ofSeconds(10))).isTrue();
            FileAccessTrace trace = strace.finish();

            assertThat(run.log()).as(run.log()).contains("unshare(CLONE_NEWUSER): DENIED (EPERM)", "keyctl(JOIN_SESSION_KEYRING): DENIED (EPERM)",
                    "bpf(PROG_LOAD): DENIED (EPERM)", "ptrace(ATTACH, another process): DENIED (EPERM)",
                    "mount(tmpfs): DENIED (EPERM)", "kexec_load: DENIED (EPERM)", "userfaultfd: DENIED (EPERM)",
                    "personality(ADDR_NO_RANDOMIZE): DENIED (EPERM)", "socket(AF_VSOCK): DENIED (EPERM)")
                    .doesNotContain("ALLOWED");
            // The trace names the refusals, so a verdict can say why a program that needed them failed.
            assertThat(trace.denied()).anyMatch(d -> d.startsWith("unshare(CLONE_NEWUSER) = -1 EPERM"))
                    .anyMatch(d -> d.startsWith("keyctl(")).anyMatch(d -> d.startsWith("ptrace(PTRACE_ATTACH"))
                    .anyMatch(d -> d.startsWith("mount(")).anyMatch(d -> d.startsWith("kexec_load("));
        }
        assertThat(Files.readString(Path.of("/proc/self/status"))).contains("Seccomp:\t0");  // the host process is not filtered
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContainPattern(" /tmp [^ ]+ - tmpfs none ");
        Path kexec = Path.of("/sys/kernel/kexec_loaded");
        if (Files.exists(kexec)) {
            assertThat(Files.readString(kexec).strip()).isEqualTo("0");
        }
        // The container's root owns one key: the session keyring runc made for the container. Nothing the program added.
        IdMapping ids = sandbox.idMapping();
        for (String line : Files.readAllLines(Path.of("/proc/key-users"))) {
            String[] f = line.strip().split("[:\\s]+");
            if (ids.containerUid(Long.parseLong(f[0])) >= 0) {
                assertThat(f[2]).as("keys of container uid %d: %s", ids.containerUid(Long.parseLong(f[0])), line).isEqualTo("1/1");
            }
        }
    }

    @Test
    void withoutTheProfileTheSameCallsGoThrough() throws Exception {
        // What the profile adds: in the same user namespace, with the same capabilities, these calls succeed.
        sandbox.close();
        sandbox = Sandbox.open(temp.resolve("unfiltered"), Sandbox.Options.defaults()
                .withTimeLimit(Duration.ofSeconds(20)).withConfinement(Confinement.defaults().withoutSeccomp()));
        ContainerRun run = sandbox.create("escape", hostileImage(), Busybox.config("/hostile", "escape"));
        run.start();
        assertThat(run.awaitExit(Duration.ofSeconds(10))).isTrue();

        assertThat(run.log()).as(run.log()).contains("unshare(CLONE_NEWUSER): ALLOWED", "keyctl(JOIN_SESSION_KEYRING): ALLOWED",
                "ptrace(ATTACH, another process): ALLOWED", "personality(ADDR_NO_RANDOMIZE): ALLOWED");
    }

    @Test
    void containerRootCannotWriteAHostFileBoundIntoItReadWrite() throws Exception {
        Path hostDir = Files.createDirectory(temp.resolve("host"));
        Files.setAttribute(hostDir, "unix:mode", 0755);
        Path hostFile = Files.writeString(hostDir.resolve("owned-by-host-root.txt"), "host data\n");
        Files.setAttribute(hostFile, "unix:mode", 0644);
        String script = "echo overwritten > /mnt/host.txt && echo WROTE; chmod 666 /mnt/host.txt && echo CHMODDED;"
                + " chown 0:0 /mnt/host.txt && echo CHOWNED; id -u; echo DONE";
        ContainerRun run = sandbox.create("writer", Busybox.image().build(),
                Busybox.shell(script).withMount(new BindMount(hostFile, "/mnt/host.txt", false)));
        run.start();
        assertThat(run.awaitExit(Duration.ofSeconds(10))).isTrue();

        assertThat(run.log()).contains("0\nDONE").doesNotContain("WROTE", "CHMODDED", "CHOWNED");
        assertThat(Files.readString(hostFile)).isEqualTo("host data\n");
        assertThat((int) Files.getAttribute(hostFile, "unix:mode") & 07777).isEqualTo(0644);
    }

    @Test
    void ownershipInsideTheContainerIsWhatTheImageSaysAndOnTheHostItIsTheSandboxsIds() throws Exception {
        MemoryFileSystem image = Busybox.image()
                .owner(33, 33).directory("/var/www", 0750).file("/var/www/index.html", "hi\n")
                .owner(1000, 2000).file("/home/app/data", "x")
                .owner(0, 0).file("/usr/bin/tool", new byte[] {1}, 04755)
                .owner(65534, 65534).file("/nobody.txt", "n\n")
                .owner(70000, 70000).file("/high-id", new byte[] {1}, 04755)
                .owner(0, 0).symlink("/link", "/var/www")
                .build();
        ContainerRun run = sandbox.create("owners", image, Busybox.shell(
                "for f in /var/www /var/www/index.html /home/app/data /usr/bin/tool /nobody.txt /high-id /; do stat -c '%u:%g %a %n' $f; done"));
        run.start();
        assertThat(run.awaitExit(Duration.ofSeconds(10))).isTrue();

        assertThat(run.log()).contains("33:33 750 /var/www\n", "33:33 644 /var/www/index.html\n", "1000:2000 644 /home/app/data\n",
                "0:0 4755 /usr/bin/tool\n", "65534:65534 644 /nobody.txt\n", "0:0 755 /\n",
                // An id the namespace cannot map is nobody's, without its setuid bit, and reported.
                "65534:65534 755 /high-id\n");
        assertThat(run.unpack().skipped()).singleElement().satisfies(s -> assertThat(s.path()).isEqualTo("/high-id"));
        IdMapping ids = sandbox.idMapping();
        Path rootfs = run.bundle().resolve("rootfs");
        assertThat(Files.getAttribute(rootfs.resolve("var/www/index.html"), "unix:uid")).isEqualTo((int) ids.hostUid(33));
        assertThat(Files.getAttribute(rootfs.resolve("home/app/data"), "unix:gid")).isEqualTo((int) ids.hostGid(2000));
        assertThat(Files.getAttribute(rootfs.resolve("home"), "unix:uid")).as("a parent directory")
                .isEqualTo((int) ids.hostUid(0));
        assertThat(Files.getAttribute(rootfs.resolve("link"), "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isEqualTo((int) ids.hostUid(0));
        assertThat(ids.hostUid(0)).isGreaterThanOrEqualTo(65536);
    }

    @Test
    void programsReopenTheirStdoutAndStderrAsRootAndAsAnotherUser() throws Exception {
        // nginx opens /dev/stderr, php-fpm /proc/self/fd/2: the output FIFO must let every user of the container in.
        ContainerRun root = sandbox.create("as-root", Busybox.image().build(), Busybox.shell("echo root-err > /dev/stderr; echo root-out > /proc/self/fd/1"));
        ContainerRun www = sandbox.create("as-www", Busybox.image().build(), Busybox.shell("echo www-err > /dev/stderr; echo www-out > /dev/stdout")
                .withUser(new Identity(1000, 1000, List.of(), "", "")));
        root.start();
        www.start();
        assertThat(root.awaitExit(Duration.ofSeconds(10))).isTrue();
        assertThat(www.awaitExit(Duration.ofSeconds(10))).isTrue();

        assertThat(root.log()).isEqualTo("root-err\nroot-out\n");
        assertThat(www.log()).isEqualTo("www-err\nwww-out\n");
    }

    @Test
    void theRuntimeBinaryIsTheConfiguredOne() throws Exception {
        // As an operator would put gVisor's runsc there: here a wrapper that records its calls and runs runc.
        Path calls = temp.resolve("runtime-calls.log");
        Path wrapper = Files.writeString(temp.resolve("my-runtime"), "#!/bin/sh\necho \"$@\" >> " + calls + "\nexec runc \"$@\"\n");
        Files.setAttribute(wrapper, "unix:mode", 0755);
        sandbox.close();
        sandbox = Sandbox.open(temp.resolve("other-runtime"), Sandbox.Options.defaults()
                .withConfinement(Confinement.defaults().withRuntime(wrapper.toString())));
        ContainerRun run = sandbox.create("hello", Busybox.image().build(), Busybox.shell("echo hello"));
        run.start();
        assertThat(run.awaitExit(Duration.ofSeconds(10))).isTrue();
        assertThat(run.log()).isEqualTo("hello\n");
        run.close();

        assertThat(Files.readAllLines(calls)).anyMatch(l -> l.contains(" create --bundle ")).anyMatch(l -> l.contains(" start "))
                .anyMatch(l -> l.contains(" delete --force "));
    }

    @Test
    void twoSandboxesNeverShareTheirHostIds() throws Exception {
        try (Sandbox other = Sandbox.open(temp.resolve("other"), Sandbox.Options.defaults())) {
            IdMapping a = sandbox.idMapping();
            IdMapping b = other.idMapping();
            assertThat(a.size()).isEqualTo(65536);
            assertThat(b.hostUid(0) + b.size() <= a.hostUid(0) || a.hostUid(0) + a.size() <= b.hostUid(0)).as("%s and %s", a, b).isTrue();
        }
    }

    @Test
    void theContainerHasOnlyLoopbackAndCannotReachTheHostsLoopback() throws Exception {
        try (ServerSocket host = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            int port = host.getLocalPort();
            ContainerRun run = sandbox.create("isolated", Busybox.image().build(), Busybox.shell(
                    "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ' | sed 's/^/IFACE /';"
                            + " if wget -q -T 2 -O - http://127.0.0.1:" + port + "/ ; then echo REACHED; else echo UNREACHABLE; fi"));
            run.start();
            assertThat(run.awaitExit(Duration.ofSeconds(10))).isTrue();

            host.setSoTimeout(300);
            boolean accepted;
            try {
                host.accept().close();
                accepted = true;
            } catch (SocketTimeoutException e) {
                accepted = false;
            }
            assertThat(accepted).as("a connection from the container arrived on the host").isFalse();
            assertThat(run.log()).contains("UNREACHABLE").doesNotContain("REACHED\n");
            assertThat(run.log().lines().filter(l -> l.startsWith("IFACE ")).toList()).containsExactly("IFACE lo");
        }
    }

    @Test
    void theRootIsReadOnlyButTmpAndRunAreWritable() throws Exception {
        ContainerRun run = sandbox.create("readonly", Busybox.image().build(), Busybox.shell(
                "touch /etc/intruder && echo ROOT-WRITABLE; touch /tmp/a && echo TMP-OK; touch /run/b && echo RUN-OK; echo DONE"));
        run.start();
        assertThat(run.awaitExit(Duration.ofSeconds(10))).isTrue();

        assertThat(run.log()).contains("TMP-OK", "RUN-OK", "DONE").doesNotContain("ROOT-WRITABLE");
        assertThat(run.bundle().resolve("rootfs/etc/intruder")).doesNotExist();
        assertThat(run.bundle().resolve("rootfs/tmp/a")).doesNotExist();
    }

    @Test
    void twoContainersOfAPodShareTheirNetworkAndAVolume() throws Exception {
        PodSpec spec = new PodSpec(List.of(new PodSpec.Volume("shared", 1000, 1000, 0750)), List.of(
                new PodSpec.Member("server", Busybox.image().build(), Busybox.shell(
                        "mkdir /shared/www && echo from-the-server > /shared/www/index.html && exec httpd -f -p 8081 -h /shared/www")
                        .withUser(new Identity(1000, 1000, List.of(), "", "")),
                        List.of(new PodSpec.Mount("shared", "/shared", false))),
                new PodSpec.Member("client", Busybox.image().build(), Busybox.shell(
                        "stat -c '%u:%g %a' /shared; for i in $(seq 100); do wget -q -O - http://127.0.0.1:8081/ 2>/dev/null && cat /shared/www/index.html && exit 0;"
                                + " sleep 0.1; done; echo NO-ANSWER; exit 1"),
                        List.of(new PodSpec.Mount("shared", "/shared", true)))));
        Pod pod = Pod.create(sandbox, spec);
        pod.start();

        assertThat(pod.container("client").awaitExit(Duration.ofSeconds(15))).isTrue();
        assertThat(pod.container("client").log()).isEqualTo("1000:1000 750\nfrom-the-server\nfrom-the-server\n");
        assertThat(Files.readString(sandbox.workDir().resolve("volumes/shared/www/index.html"))).isEqualTo("from-the-server\n");
        ProbeResult viaPod = Prober.of(pod).http(HttpCheck.ok(8081, "/"), Duration.ofSeconds(5));
        assertThat(viaPod.passed()).as("%s", viaPod).isTrue();
    }

    @Test
    void aPodsStopSignalsEveryContainerBeforeWaitingForAny() throws Exception {
        // Each program ends on SIGTERM only once the other has had its signal too: stopped one after the other, the
        // first would wait out its grace time for a signal the second gets only after it, and be killed.
        PodSpec spec = new PodSpec(List.of(new PodSpec.Volume("shared", 0, 0, 0777)), List.of(
                member("first", "second"), member("second", "first")));
        Pod pod = Pod.create(sandbox, spec);
        pod.start();
        for (ContainerRun c : pod.containers()) {
            for (int i = 0; i < 100 && !c.log().contains("READY"); i++) {
                Thread.sleep(50);  // the trap is set once READY is printed
            }
        }

        assertThat(pod.stop(Duration.ofSeconds(3))).containsExactly(
                Map.entry("first", ContainerRun.StopOutcome.STOPPED_BY_SIGNAL),
                Map.entry("second", ContainerRun.StopOutcome.STOPPED_BY_SIGNAL));
        assertThat(pod.container("first").log()).contains("first SAW second");
        assertThat(pod.stop(Duration.ofSeconds(1)).values()).containsOnly(ContainerRun.StopOutcome.ALREADY_STOPPED);
    }

    private static PodSpec.Member member(String name, String other) {
        return new PodSpec.Member(name, Busybox.image().build(), Busybox.shell("trap 'touch /shared/" + name
                + "; while [ ! -e /shared/" + other + " ]; do sleep 0.1; done; echo " + name + " SAW " + other + "; exit 0' TERM;"
                + " echo READY; while :; do sleep 0.1; done"), List.of(new PodSpec.Mount("shared", "/shared", false)));
    }

    @Test
    void aTraceAttachedBeforeStartRecordsTheFilesTheProgramMissed() throws Exception {
        ContainerRun run = sandbox.create("traced", Busybox.image().file("/etc/app/present.conf", "ok\n").build(), Busybox.shell(
                "cat /etc/app/present.conf; cat /etc/app/absent.conf; cd /etc/app && cat relative.ini; ls /opt/plugins; true"));
        try (StraceSession strace = StraceSession.attach(run.pid(), run.bundle().resolve("strace.out"))) {
            run.start();
            assertThat(run.awaitExit(Duration.ofSeconds(10))).isTrue();
            FileAccessTrace trace = strace.finish();

            assertThat(trace.missing()).contains("/etc/app/absent.conf", "/etc/app/relative.ini", "/opt/plugins")
                    .doesNotContain("/etc/app/present.conf");
            assertThat(run.log()).contains("ok");
        }
    }

    @Test
    void aTraceThatGrowsBeyondItsLimitIsCutAndTheProgramRunsOn() throws Exception {
        ContainerRun run = sandbox.create("chatty", Busybox.image().build(), Busybox.shell("while :; do cat /etc/passwd > /dev/null; done"));
        try (StraceSession strace = StraceSession.attach(run.pid(), run.bundle().resolve("strace.out"), 64 * 1024)) {
            run.start();
            for (int i = 0; i < 200 && !strace.truncated(); i++) {
                Thread.sleep(100);
            }
            assertThat(strace.truncated()).isTrue();
            FileAccessTrace trace = strace.finish();

            assertThat(trace.opened()).contains("/etc/passwd");
            assertThat(Files.size(run.bundle().resolve("strace.out"))).isLessThan(4L << 20);
            assertThat(run.isRunning()).as("detached, not killed").isTrue();
            assertThat(Files.readString(Path.of("/proc", Integer.toString(run.pid()), "status"))).contains("TracerPid:\t0");
        }
    }

    /** A tiny image with the hostile fixture's static program at {@code /hostile}. */
    static MemoryFileSystem hostileImage() throws IOException, InterruptedException {
        Path program = FixtureImages.build("hostile").rootfs().resolve("usr/local/bin/hostile");
        return Busybox.image().file("/hostile", Files.readAllBytes(program), 0755).build();
    }

    /** The host directory of the container's cgroup for one v1 controller. */
    private static Path cgroup(int pid, String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "cgroup"))) {
            String[] f = line.split(":", 3);
            if (List.of(f[1].split(",")).contains(controller)) {
                return Path.of("/sys/fs/cgroup", controller, f[2]);
            }
        }
        throw new IllegalStateException("no " + controller + " cgroup for " + pid);
    }
}
