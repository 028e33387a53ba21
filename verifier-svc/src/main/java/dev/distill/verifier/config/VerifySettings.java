package dev.distill.verifier.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Map;

/** {@code distill.verify.*}: how results are run and probed, and the structure tests users supply. */
@ConfigMapping(prefix = "distill.verify")
public interface VerifySettings {

    /** Where runtime bundles are unpacked; each verification's directory is deleted when it ends. */
    @WithDefault("${java.io.tmpdir}/distill-verify")
    String workDir();

    /** Wall-clock limit of one run (result pod or source); a container still running then is killed. */
    @WithDefault("90s")
    Duration timeLimit();

    /** How long the programs must stay up before the port probes. */
    @WithDefault("3s")
    Duration staysUp();

    /** How long a port probe keeps trying (programs take time to start). */
    @WithDefault("30s")
    Duration probeDeadline();

    /** The path of the HTTP GET probe. */
    @WithDefault("/")
    String httpPath();

    /** The status the HTTP probe expects; 0 = whatever the source answers (200 without a source answer). */
    @WithDefault("0")
    int expectedStatus();

    /** How many self-repair build rounds one migration may ask for. */
    @WithDefault("2")
    int maxRepairRounds();

    @WithDefault("536870912")
    long memoryBytes();

    /** CPU quota in thousandths of a CPU. */
    @WithDefault("1000")
    int cpuMillis();

    @WithDefault("256")
    int pids();

    /** How many of the programs' last log lines go into the report. */
    @WithDefault("20")
    int logLines();

    /**
     * Structure-test suites (container-structure-test YAML files on this host) per source repository glob, e.g.
     * {@code distill.verify.structure-tests."shop/**"=/etc/distill/shop-tests.yaml}; run against every program's
     * image of a matching source, in addition to the default suite derived from the plan.
     */
    Map<String, String> structureTests();

    /**
     * Where image layers are unpacked once each and shared read-only by the containers' overlay rootfs (by layer
     * digest); default {@code <work-dir>/layer-trees}. Give a volume to keep them over restarts; instances may share it.
     */
    @WithName("layer-trees.directory")
    java.util.Optional<String> layerTreesDirectory();

    /** Bytes of layer trees kept; above it, trees no run uses go, least recently used first. 0 = no trees, full unpacks. */
    @WithName("layer-trees.max-bytes")
    @WithDefault("8589934592")
    long layerTreesMaxBytes();

    /** Image label of the source naming a suite file inside the source image. */
    @WithDefault("dev.distill.structure-tests")
    String structureTestsLabel();

    /**
     * Where the containers run: {@code in-process} (this JVM, which must then be root) or {@code socket} (a
     * {@code SandboxRunner}, root, on {@link #runnerSocket()}; this service then runs unprivileged). docs/security.md.
     */
    @WithDefault("in-process")
    Runner runner();

    /** The sandbox runner's socket, with {@code runner=socket}; the runner's spool root must be {@link #workDir()}. */
    @WithDefault("/run/distill-runner/runner.sock")
    String runnerSocket();

    enum Runner {
        IN_PROCESS, SOCKET
    }
}
