package dev.distill.engine.runtime;

import dev.distill.engine.budget.Budget;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

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

    private static final System.Logger LOG = System.getLogger(Pod.class.getName());

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
            closeAll(prepared);  // those not created yet
            throw e;
        }
        return new Pod(created, volumes);
    }

    /** Every member's bundle and rootfs, all at once. */
    private static List<Sandbox.Prepared> prepareAll(Sandbox sandbox, List<PodSpec.Member> members) throws IOException {
        List<Task<Sandbox.Prepared>> tasks = new ArrayList<>();
        for (PodSpec.Member member : members) {
            tasks.add(() -> sandbox.prepare(member.name(), member.image()));
        }
        return atOnce(tasks, "rootfs-", members.stream().map(PodSpec.Member::name).toList(), Pod::closeAll);
    }

    /** One container's part of a pod-wide step. */
    private interface Task<T> {
        T run() throws IOException;
    }

    /**
     * Runs the tasks at once, the first on this thread and each other on a thread of its own under this work's budget:
     * each is mostly a process of its own or waiting on the kernel (a mount, runc). If any fails, {@code undo} gets
     * the results that were made and the first failure is thrown.
     *
     * @return the results, in the tasks' order
     */
    private static <T> List<T> atOnce(List<Task<T>> tasks, String threadPrefix, List<String> names, Consumer<List<T>> undo)
            throws IOException {
        Budget budget = Budget.current();
        List<CompletableFuture<T>> others = new ArrayList<>();
        for (int i = 1; i < tasks.size(); i++) {
            Task<T> task = tasks.get(i);
            CompletableFuture<T> future = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try (Budget.Binding bound = budget.bind()) {
                    future.complete(task.run());
                } catch (Throwable e) {
                    future.completeExceptionally(e);
                }
            }, threadPrefix + names.get(i));
            t.setDaemon(true);
            t.start();
            others.add(future);
        }
        List<T> done = new ArrayList<>();
        Throwable failure = null;
        try {
            done.add(tasks.get(0).run());
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
        for (CompletableFuture<T> f : others) {
            try {
                done.add(f.join());  // each ends: bounded by the budget and its own limits
            } catch (CompletionException e) {
                failure = failure == null ? e.getCause() : failure;
            }
        }
        if (failure == null) {
            return done;
        }
        undo.accept(done);
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        throw new IOException("a pod step failed: " + failure, failure);
    }

    /** Removes prepared bundles not created yet (a no-op for one created), failures logged: a cleanup after a failure. */
    private static void closeAll(List<Sandbox.Prepared> prepared) {
        for (Sandbox.Prepared p : prepared) {
            try {
                p.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove the prepared bundle of " + p.name() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Starts every container at once ({@code runc start} is a process of its own, 25-35 ms on a busy host), the first
     * on this thread: the pod's programs start as a Kubernetes pod's do, without waiting for one another.
     */
    public void start() throws IOException {
        List<Task<Void>> starts = new ArrayList<>();
        for (ContainerRun run : containers) {
            starts.add(() -> {
                run.start();
                return null;
            });
        }
        atOnce(starts, "start-", containers.stream().map(ContainerRun::name).toList(), started -> { });
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
