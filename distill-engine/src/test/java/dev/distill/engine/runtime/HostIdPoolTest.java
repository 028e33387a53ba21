package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases of host id ranges: exclusive within a process, across processes, and never over a range still in use. */
class HostIdPoolTest {

    private static final long FIRST = 2_000_000_000L;

    @TempDir
    Path temp;

    @Test
    void leasesNeverOverlapAndEndWithAClearErrorWhenTheRangesRunOut() throws IOException {
        HostIdPool pool = new HostIdPool(FIRST, FIRST + 1_000_000, 4, temp.resolve("locks"));
        List<HostIdPool.Lease> leases = new ArrayList<>();
        Set<Long> uids = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            HostIdPool.Lease lease = pool.lease("test " + i);
            leases.add(lease);
            uids.add(lease.mapping().hostUid(0));
            assertThat(lease.mapping().hostGid(0) - lease.mapping().hostUid(0)).isEqualTo(1_000_000);
        }
        assertThat(uids).containsExactlyInAnyOrder(FIRST, FIRST + 65536, FIRST + 2 * 65536, FIRST + 3 * 65536);
        assertThatThrownBy(() -> pool.lease("fifth")).isInstanceOf(IOException.class)
                .hasMessageContaining("all 4 id ranges").hasMessageContaining("are leased or in use");
        assertThat(pool.leasedRanges()).isEqualTo(4);

        leases.get(2).close();
        assertThat(pool.lease("again").mapping()).isEqualTo(leases.get(2).mapping());
    }

    @Test
    void aRangeLeasedByAnotherProcessIsSkippedUntilThatProcessDies() throws Exception {
        Path locks = temp.resolve("locks");
        HostIdPool pool = new HostIdPool(FIRST, FIRST, 2, locks);
        try (ChildProcess child = ChildProcess.start("lease", locks.toString(), Long.toString(FIRST), "2")) {
            long theirs = Long.parseLong(child.said().get(0));
            try (HostIdPool.Lease mine = pool.lease("parent")) {
                assertThat(mine.mapping().hostUid(0)).isNotEqualTo(theirs);
                assertThatThrownBy(() -> pool.lease("third")).isInstanceOf(IOException.class);

                child.kill9();  // the kernel drops a dead process's lock, however it died
                try (HostIdPool.Lease freed = pool.lease("after the kill")) {
                    assertThat(freed.mapping().hostUid(0)).isEqualTo(theirs);
                }
            }
        }
    }

    @Test
    void aRangeInWhichAProcessStillRunsIsNeverLeased() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "running a process as another uid needs root");
        HostIdPool pool = new HostIdPool(FIRST, FIRST, 2, temp.resolve("locks"));
        // As a crashed instance's container would: running with ids of range 0, but nobody holds its lease.
        Process squatter = new ProcessBuilder("setpriv", "--reuid=" + (FIRST + 1000), "--regid=" + (FIRST + 1000),
                "--clear-groups", "sleep", "60").start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!HostProcesses.anyIn(HostProcesses.ids(), pool.range(0)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            for (int i = 0; i < 5; i++) {  // leases start at a random range: try more than once
                try (HostIdPool.Lease lease = pool.lease("test")) {
                    assertThat(lease.mapping()).isEqualTo(pool.range(1));
                }
            }
        } finally {
            squatter.destroyForcibly().waitFor();
        }
        try (HostIdPool.Lease a = pool.lease("a"); HostIdPool.Lease b = pool.lease("b")) {
            assertThat(Set.of(a.mapping(), b.mapping())).containsExactlyInAnyOrder(pool.range(0), pool.range(1));
        }
    }

    @Test
    void theOperatorDelegatesIdsToTheDistillUserInSubuidAndSubgid() throws IOException {
        Path subuid = Files.writeString(temp.resolve("subuid"), "alice:100000:65536\ndistill:300000000:655360\n");
        Path subgid = Files.writeString(temp.resolve("subgid"), "distill:400000000:196608\n");
        HostIdPool pool = HostIdPool.fromSubordinateIds(subuid, subgid, "distill", temp).orElseThrow();
        assertThat(pool.firstUid()).isEqualTo(300_000_000L);
        assertThat(pool.firstGid()).isEqualTo(400_000_000L);
        assertThat(pool.ranges()).as("whole ranges both files allow").isEqualTo(3);
        assertThat(HostIdPool.fromSubordinateIds(subuid, subgid, "bob", temp)).isEmpty();
        Path small = Files.writeString(temp.resolve("small"), "distill:300000000:1000\n");
        assertThat(HostIdPool.fromSubordinateIds(small, subgid, "distill", temp)).as("less than one range").isEmpty();
        assertThatThrownBy(() -> new HostIdPool(2_147_000_000L, 1, 100, temp)).hasMessageContaining("below 2^31");
    }
}
