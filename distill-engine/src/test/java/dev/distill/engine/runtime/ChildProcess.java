package dev.distill.engine.runtime;

import dev.distill.engine.layer.LayeredFileSystem;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Another JVM on this host that holds sandbox resources until it is killed, for tests of what happens across
 * processes and after a {@code kill -9}. It runs {@link #main} from the test classpath; its first line on stdout
 * says what it holds.
 *
 * <ul>
 *   <li>{@code lease LOCKDIR FIRST RANGES}: leases one range of that pool; prints {@code LEASED <host uid>}</li>
 *   <li>{@code pod ROOT}: opens a sandbox in a new directory under ROOT with a pod of a server and a busy loop,
 *       started; prints {@code RUNNING <sandbox dir> <host uid> <host gid of container root> <pid> <pid>}</li>
 *   <li>{@code overlay ROOT TREES}: opens a sandbox under ROOT whose container's rootfs is an overlay of layer trees in
 *       TREES, started; prints {@code RUNNING <sandbox dir> <bundle>}</li>
 * </ul>
 */
final class ChildProcess implements AutoCloseable {

    private final Process process;
    private final String firstLine;

    private ChildProcess(Process process, String firstLine) {
        this.process = process;
        this.firstLine = firstLine;
    }

    static ChildProcess start(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx128m", "-cp",
                System.getProperty("java.class.path"), ChildProcess.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String first = line.get(60, TimeUnit.SECONDS);
            if (first == null || first.startsWith("FAILED")) {
                p.destroyForcibly();
                throw new IllegalStateException("child " + String.join(" ", args) + " failed: " + first);
            }
            return new ChildProcess(p, first);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IllegalStateException("child " + String.join(" ", args) + " said nothing within 60 s", e);
        }
    }

    /** The words of its first line after the keyword. */
    List<String> said() {
        List<String> words = List.of(firstLine.split(" "));
        return words.subList(1, words.size());
    }

    long pid() {
        return process.pid();
    }

    /** {@code kill -9}: the JVM gets no chance to clean up. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill9();
    }

    public static void main(String[] args) throws Exception {
        try {
            switch (args[0]) {
                case "lease" -> {
                    HostIdPool pool = new HostIdPool(Long.parseLong(args[2]), Long.parseLong(args[2]), Integer.parseInt(args[3]),
                            Path.of(args[1]));
                    HostIdPool.Lease lease = pool.lease("child " + ProcessHandle.current().pid());
                    System.out.println("LEASED " + lease.mapping().hostUid());
                }
                case "pod" -> {
                    Sandbox sandbox = Sandbox.open(Path.of(args[1]).resolve("sandbox-" + ProcessHandle.current().pid()),
                            Sandbox.Options.defaults().withTimeLimit(Duration.ofMinutes(10)));
                    Pod pod = Pod.create(sandbox, new PodSpec(List.of(new PodSpec.Volume("shared", 1000, 1000, 0770)), List.of(
                            new PodSpec.Member("server", Busybox.image().build(), Busybox.config("/bin/httpd", "-f", "-p", "8080"),
                                    List.of(new PodSpec.Mount("shared", "/shared", false))),
                            new PodSpec.Member("busy", Busybox.image().build(), Busybox.shell("while :; do :; done")
                                    .withLimits(new ResourceLimits(64L << 20, 100, 16)), List.of()))));
                    pod.start();
                    System.out.println("RUNNING " + sandbox.workDir() + " " + sandbox.idMapping().hostUid(0) + " "
                            + sandbox.idMapping().hostGid(0) + " " + pod.container("server").pid() + " " + pod.container("busy").pid());
                }
                case "overlay" -> {
                    Path image = Files.createDirectories(Path.of(args[1]).resolve("image-" + ProcessHandle.current().pid()));
                    TarLayers.busybox(Files.createDirectories(image.resolve("staged")));
                    LayeredFileSystem fs = new TarLayers(image).layer(image.resolve("staged")).image();
                    Sandbox sandbox = Sandbox.open(Path.of(args[1]).resolve("sandbox-" + ProcessHandle.current().pid()),
                            Sandbox.Options.defaults().withTimeLimit(Duration.ofMinutes(10))
                                    .withLayerTrees(LayerTreeStore.open(Path.of(args[2]), 1L << 30)));
                    ContainerRun run = sandbox.create("sleeper", fs, Busybox.shell("sleep 600"));
                    run.start();
                    System.out.println("RUNNING " + sandbox.workDir() + " " + run.bundle() + " " + run.unpack().method().replace(' ', '_'));
                }
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        } catch (Exception e) {
            System.out.println("FAILED " + e);
            System.exit(1);
        }
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);  // hold on until killed
    }
}
