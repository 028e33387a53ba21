package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a process in the middle of a run, then the sweep a new instance does when it starts: the dead
 * one's containers, cgroups, mounts, network namespaces and work directory are gone; a live instance's are not.
 */
class SandboxSweepTest {

    @TempDir
    Path temp;

    @Test
    void theSweepRemovesEverythingOfAKilledInstanceAndNothingOfALiveOne() throws Exception {
        assumeTrue(Busybox.runnable(), "needs root, runc, nsenter, curl, strace and /bin/busybox");
        Path root = Files.createDirectory(temp.resolve("work"));
        try {
            killAndSweep(root);
        } finally {
            Sandbox.sweep(root, Sandbox.Options.defaults());  // whatever failed above, no container outlives the test
        }
    }

    private static void killAndSweep(Path root) throws Exception {
        try (ChildProcess dead = ChildProcess.start("pod", root.toString());
                ChildProcess alive = ChildProcess.start("pod", root.toString());
                Sandbox mine = Sandbox.open(root.resolve("mine"), Sandbox.Options.defaults())) {
            ContainerRun myRun = mine.create("mine", Busybox.image().build(), Busybox.shell("sleep 600"));
            myRun.start();
            Path deadDir = Path.of(dead.said().get(0));
            IdMapping deadIds = new IdMapping(Long.parseLong(dead.said().get(1)), Long.parseLong(dead.said().get(2)), 65536);
            List<Long> deadPids = List.of(Long.parseLong(dead.said().get(3)), Long.parseLong(dead.said().get(4)));
            List<Long> alivePids = List.of(Long.parseLong(alive.said().get(3)), Long.parseLong(alive.said().get(4)));
            String deadNetwork = Files.readSymbolicLink(Path.of("/proc", deadPids.get(0).toString(), "ns", "net")).toString();
            List<Path> deadCgroups = new ArrayList<>();
            try (DirectoryStream<Path> bundles = Files.newDirectoryStream(deadDir, "distill-*")) {
                bundles.forEach(b -> deadCgroups.addAll(ContainerCgroups.load(b).directories()));
            }
            assertThat(deadCgroups).isNotEmpty().allSatisfy(dir -> assertThat(dir).isDirectory());

            dead.kill9();
            // Its containers outlive it: nobody else would ever stop them.
            assertThat(deadPids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isPresent());

            SweepReport report = Sandbox.sweep(root, Sandbox.Options.defaults());

            assertThat(report.problems()).isEmpty();
            assertThat(report.removed()).containsExactly(deadDir);
            assertThat(report.containersDeleted()).isEqualTo(2);
            assertThat(report.live()).containsExactlyInAnyOrder(Path.of(alive.said().get(0)), mine.workDir());
            assertThat(deadDir).doesNotExist();
            assertThat(deadCgroups).allSatisfy(dir -> assertThat(dir).doesNotExist());
            awaitGone(deadPids);
            assertThat(HostProcesses.anyIn(HostProcesses.ids(), deadIds)).isFalse();
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(deadDir.toString());
            assertThat(networkNamespacesInUse()).doesNotContain(deadNetwork);
            // The live ones run on.
            assertThat(alivePids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isPresent());
            assertThat(myRun.isRunning()).isTrue();

            alive.kill9();
            SweepReport second = Sandbox.sweep(root, Sandbox.Options.defaults());
            assertThat(second.removed()).containsExactly(Path.of(alive.said().get(0)));
            awaitGone(alivePids);
            assertThat(second.live()).containsExactly(mine.workDir());
        }
        try (var left = Files.list(root)) {
            assertThat(left).isEmpty();
        }
    }

    private static void awaitGone(List<Long> pids) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (pids.stream().anyMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                .as("pid %d still runs", pid).isFalse());
    }

    private static List<String> networkNamespacesInUse() throws Exception {
        List<String> namespaces = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : procs) {
                try {
                    namespaces.add(Files.readSymbolicLink(p.resolve("ns/net")).toString());
                } catch (java.io.IOException e) {
                    // ended meanwhile
                }
            }
        }
        return namespaces;
    }
}
