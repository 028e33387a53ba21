package dev.distill.engine.runtime;

import dev.distill.engine.budget.ParallelTasks;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The containers of a {@link PodSpec}, created in one {@link Sandbox}.
 *
 * <p>The first container gets a new network namespace and the others join it through
 * {@code /proc/<pid>/ns/net} of its init process, which exists from {@code runc create} on. A named namespace
 * ({@code ip netns add}) would work too, but it is a mount under {@code /run/netns} on the host that outlives a
 * crashed verifier and has to be cleaned up; a namespace held by the containers themselves disappears with the last
 * of them, and runc brings its loopback up. Every container is created before any starts, so the namespace exists
 * while all of them join it. They join the first container's user namespace too, which owns that network namespace
 * (one user namespace per pod, as in Kubernetes): the pod's containers share the sandbox's ids anyway.
 */
public final class Pod {

    private final List<ContainerRun> containers;
    private final Map<String, Path> volumes;

    private Pod(List<ContainerRun> containers, Map<String, Path> volumes) {
        this.containers = List.copyOf(containers);
        this.volumes = Map.copyOf(volumes);
    }

    /**
     * Makes the volumes and creates every container (not started). The members' rootfs are made at once, each on a
     * thread of its own (each is its own overlay or unpack); runc then creates the containers in order, since the
     * later ones join the first one's namespaces. On a failure the containers created so far are deleted and the
     * bundles prepared removed; the sandbox removes the rest when it closes.
     */
    public static Pod create(Sandbox sandbox, PodSpec spec) throws IOException {
        Map<String, Path> volumes = new HashMap<>();
        for (PodSpec.Volume v : spec.volumes()) {
            volumes.put(v.name(), sandbox.volume(v.name(), v.uid(), v.gid(), v.mode()));
        }
        List<Sandbox.Prepared> prepared = prepareAll(sandbox, spec.members());
        List<ContainerRun> created = new ArrayList<>();
        try {
            NetworkMode network = NetworkMode.LOOPBACK_ONLY;
            for (int i = 0; i < prepared.size(); i++) {
                PodSpec.Member member = spec.members().get(i);
                RuntimeConfig config = member.config().withNetwork(network);
                for (PodSpec.Mount mount : member.mounts()) {
                    config = config.withMount(new BindMount(volumes.get(mount.volume()), mount.destination(), mount.readOnly()));
                }
                ContainerRun run = sandbox.create(prepared.get(i), config);
                created.add(run);
                if (network.isNew()) {
                    network = NetworkMode.joinPodOf(run);
                }
            }
        } catch (IOException | RuntimeException e) {
            for (int i = created.size() - 1; i >= 0; i--) {
                try {
                    created.get(i).close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            for (Sandbox.Prepared p : prepared) {
                try {
                    p.close();  // those not created yet (a no-op for the others)
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new Pod(created, volumes);
    }

    /**
     * Every member's bundle and rootfs, all at once (each is its own overlay or unpack, mostly waiting on the kernel
     * and on processes). On a failure those prepared stay with the sandbox, which removes them when it closes.
     */
    private static List<Sandbox.Prepared> prepareAll(Sandbox sandbox, List<PodSpec.Member> members) throws IOException {
        List<ParallelTasks.Task<Sandbox.Prepared, IOException>> tasks = new ArrayList<>();
        for (PodSpec.Member member : members) {
            tasks.add(() -> sandbox.prepare(member.name(), member.image()));
        }
        return ParallelTasks.all("distill-pod-rootfs", tasks.size(), tasks);
    }

    /**
     * Starts every container at once ({@code runc start} is a process of its own, 25-35 ms on a busy host): the pod's
     * programs start as a Kubernetes pod's do, without waiting for one another.
     */
    public void start() throws IOException {
        List<ParallelTasks.Task<Void, IOException>> starts = new ArrayList<>();
        for (ContainerRun run : containers) {
            starts.add(() -> {
                run.start();
                return null;
            });
        }
        ParallelTasks.all("distill-pod-start", starts.size(), starts);
    }

    /**
     * Stops every container as {@link ContainerRun#stop} does, all at once: each gets its stop signal before any is
     * waited for, and each the same {@code grace} from its signal, so the pod's stop lasts as long as its slowest
     * program's shutdown, not the sum of them (and a program that waits for another's end at its stop is not killed
     * for waiting).
     *
     * @return how each ended, by container name, in the spec's order
     */
    public Map<String, ContainerRun.StopOutcome> stop(Duration grace) throws IOException, InterruptedException {
        List<ContainerRun> signalled = new ArrayList<>();
        long deadline = System.nanoTime() + grace.toNanos();
        for (ContainerRun run : containers) {
            if (run.signalStop()) {
                signalled.add(run);
            }
        }
        Map<String, ContainerRun.StopOutcome> out = new LinkedHashMap<>();
        for (ContainerRun run : containers) {
            out.put(run.name(), signalled.contains(run) ? run.awaitStop(deadline) : ContainerRun.StopOutcome.ALREADY_STOPPED);
        }
        return out;
    }

    /**
     * Kills every container (SIGKILL, no stop signal first) and waits for their ends: for a run whose shutdown nothing
     * judges.
     *
     * @return how each ended ({@link ContainerRun.StopOutcome#KILLED} or already stopped), by name, in the spec's order
     */
    public Map<String, ContainerRun.StopOutcome> kill() throws IOException, InterruptedException {
        Map<String, ContainerRun.StopOutcome> out = new LinkedHashMap<>();
        for (ContainerRun run : containers) {
            out.put(run.name(), run.kill());
        }
        return out;
    }

    /** The host directory of one of the spec's volumes, to mount it into a container run beside the pod's. */
    public Path volume(String name) {
        Path dir = volumes.get(name);
        if (dir == null) {
            throw new IllegalArgumentException("pod has no volume named " + name);
        }
        return dir;
    }

    public List<ContainerRun> containers() {
        return containers;
    }

    public ContainerRun container(String name) {
        return containers.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("pod has no container named " + name));
    }

    /** The shared network namespace, through whichever container still runs (the first one's otherwise). */
    public Path networkNamespace() {
        return containers.stream().filter(ContainerRun::isRunning).findFirst().orElse(containers.get(0)).networkNamespace();
    }
}
