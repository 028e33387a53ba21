package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.identity.Identity;
import dev.distill.engine.runtime.probe.HttpCheck;
import dev.distill.engine.runtime.probe.ProbeResult;
import dev.distill.engine.runtime.probe.Prober;
import dev.distill.engine.runtime.trace.FileAccessTrace;
import dev.distill.engine.runtime.trace.StraceSession;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real containers under runc, built from the host's static busybox: what the sandbox allows and what it stops. */
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
    void close() throws IOException {
        if (sandbox != null) {
            Path state = sandbox.runc().stateRoot();
            List<String> ids = sandbox.containers().stream().map(ContainerRun::id).toList();
            sandbox.close();
            assertThat(sandbox.workDir()).doesNotExist();
            for (String id : ids) {
                assertThat(new Runc(state).state(id)).as("runc still knows %s", id).isEmpty();
            }
        }
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
        assertThat(Files.readString(Path.of("/proc", Integer.toString(run.pid()), "status")))
                .containsPattern("Uid:\\s+1000\\s").containsPattern("Groups:\\s+2000");
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
            assertThat(left.map(p -> p.getFileName().toString())).allMatch(n -> n.equals("runc"));
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
        assertThat(Files.readString(pidsCgroup.resolve("pids.events"))).doesNotContain("max 0");
        assertThat(new ProcessBuilder("true").start().waitFor()).as("the host can still fork").isZero();
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
    void theContainerCannotReachTheHostsLoopback() throws Exception {
        try (ServerSocket host = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            int port = host.getLocalPort();
            ContainerRun run = sandbox.create("isolated", Busybox.image().build(), Busybox.shell(
                    "if wget -q -T 2 -O - http://127.0.0.1:" + port + "/ ; then echo REACHED; else echo UNREACHABLE; fi"));
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
                        "for i in $(seq 100); do wget -q -O - http://127.0.0.1:8081/ 2>/dev/null && cat /shared/www/index.html && exit 0;"
                                + " sleep 0.1; done; echo NO-ANSWER; exit 1"),
                        List.of(new PodSpec.Mount("shared", "/shared", true)))));
        Pod pod = Pod.create(sandbox, spec);
        pod.start();

        assertThat(pod.container("client").awaitExit(Duration.ofSeconds(15))).isTrue();
        assertThat(pod.container("client").log()).isEqualTo("from-the-server\nfrom-the-server\n");
        assertThat(Files.readString(sandbox.workDir().resolve("volumes/shared/www/index.html"))).isEqualTo("from-the-server\n");
        ProbeResult viaPod = Prober.of(pod).http(HttpCheck.ok(8081, "/"), Duration.ofSeconds(5));
        assertThat(viaPod.passed()).as("%s", viaPod).isTrue();
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
