package dev.distill.engine.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.ImageConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What a container runs and how it is confined; {@link #toJson} writes it as an OCI runtime {@code config.json}.
 *
 * <p>By default a read-only root with tmpfs on {@code /tmp} (1777) and {@code /run} (0755) (see
 * {@link #withWritableRoot()} for a source image). Always: {@code /proc}, {@code /dev},
 * {@code /dev/pts}, {@code /dev/shm}, {@code /dev/mqueue} and a read-only {@code /sys} as runc's own template mounts
 * them; new pid, ipc, uts and mount namespaces; no new privileges; no rlimits (runc fails on one above the host's
 * hard limit, and the inherited ones are the host's); the masked and read-only {@code /proc} paths of the template.
 * Capabilities: Docker's default set when the process starts as root, because php-fpm and nginx start as root and
 * need to chown, set their uid and gid and bind low ports before they drop privileges; none at all for a non-root
 * user, who could not use them anyway once {@code noNewPrivileges} stops setuid files and file capabilities.
 * The sandbox adds what holds for every container alike (see {@link Confinement}): the seccomp profile and the user
 * namespace whose host ids the container's ids are, both passed to {@link #toJson}.
 *
 * @param args the process's argv: the image's entrypoint followed by its cmd, unless overridden
 * @param env {@code NAME=value}; {@code PATH} is added as Docker does when the image has none
 * @param cwd absolute; the image's working directory or {@code /}
 * @param readOnlyRoot whether the root is read-only with tmpfs on {@code /tmp} and {@code /run}
 * @param stopSignal the signal that asks the process to stop, {@code SIGTERM} unless the image says otherwise
 */
public record RuntimeConfig(List<String> args, List<String> env, String cwd, Identity user, String hostname,
        ResourceLimits limits, NetworkMode network, List<BindMount> mounts, boolean readOnlyRoot, String stopSignal) {

    /** Docker's default capability set (moby's {@code oci/caps/defaults.go}). */
    public static final List<String> DEFAULT_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String TMPFS_SIZE = "size=65536k";

    public RuntimeConfig {
        if (args == null || args.isEmpty() || args.get(0).isEmpty()) {
            throw new IllegalArgumentException("a container needs a command (entrypoint or cmd), got " + args);
        }
        args = List.copyOf(args);
        env = List.copyOf(env);
        for (String e : env) {
            if (e.indexOf('=') <= 0) {
                throw new IllegalArgumentException("environment entry must be NAME=value, got '" + e + "'");
            }
        }
        if (cwd == null || !cwd.startsWith("/")) {
            throw new IllegalArgumentException("working directory must be absolute, got " + cwd);
        }
        if (user == null || limits == null || network == null) {
            throw new IllegalArgumentException("user, limits and network are required, got " + user + ", " + limits + ", " + network);
        }
        if (hostname == null || !hostname.matches("[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}")) {
            throw new IllegalArgumentException("hostname must be a DNS label, got " + hostname);
        }
        mounts = List.copyOf(mounts);
        if (stopSignal == null || !stopSignal.matches("(SIG)?[A-Z0-9+-]+|\\d+")) {
            throw new IllegalArgumentException("stop signal must be a signal name or number, got " + stopSignal);
        }
    }

    /**
     * The configuration a container engine derives from an image: argv from entrypoint and cmd, env, working
     * directory and stop signal from the image; default limits; a new loopback-only network namespace.
     */
    public static RuntimeConfig of(ImageConfig image, Identity user) {
        List<String> args = new ArrayList<>(image.entrypoint());
        args.addAll(image.cmd());
        List<String> env = new ArrayList<>(image.env());
        if (image.envValue("PATH") == null) {
            env.add(0, DEFAULT_PATH);
        }
        return new RuntimeConfig(args, env, image.workingDir().isEmpty() ? "/" : image.workingDir(), user, "distill",
                ResourceLimits.DEFAULTS, NetworkMode.LOOPBACK_ONLY, List.of(), true,
                image.stopSignal().isEmpty() ? "SIGTERM" : image.stopSignal());
    }

    public RuntimeConfig withArgs(List<String> newArgs) {
        return new RuntimeConfig(newArgs, env, cwd, user, hostname, limits, network, mounts, readOnlyRoot, stopSignal);
    }

    /**
     * A writable root without the tmpfs mounts, as Docker runs an image: for a source image, which writes where it
     * likes (nginx into {@code /var/lib/nginx}) and expects what its {@code /run} holds (Debian's {@code /run/php}).
     * The root is the container's private copy in its bundle, so the writes still stay inside the sandbox.
     */
    public RuntimeConfig withWritableRoot() {
        return new RuntimeConfig(args, env, cwd, user, hostname, limits, network, mounts, false, stopSignal);
    }

    public RuntimeConfig withUser(Identity newUser) {
        return new RuntimeConfig(args, env, cwd, newUser, hostname, limits, network, mounts, readOnlyRoot, stopSignal);
    }

    public RuntimeConfig withLimits(ResourceLimits newLimits) {
        return new RuntimeConfig(args, env, cwd, user, hostname, newLimits, network, mounts, readOnlyRoot, stopSignal);
    }

    public RuntimeConfig withNetwork(NetworkMode newNetwork) {
        return new RuntimeConfig(args, env, cwd, user, hostname, limits, newNetwork, mounts, readOnlyRoot, stopSignal);
    }

    public RuntimeConfig withHostname(String newHostname) {
        return new RuntimeConfig(args, env, cwd, user, newHostname, limits, network, mounts, readOnlyRoot, stopSignal);
    }

    public RuntimeConfig withMount(BindMount mount) {
        List<BindMount> more = new ArrayList<>(mounts);
        more.add(mount);
        return new RuntimeConfig(args, env, cwd, user, hostname, limits, network, more, readOnlyRoot, stopSignal);
    }

    /**
     * The OCI runtime {@code config.json} for a bundle whose root is {@code rootfs} next to it.
     *
     * @param cgroupsPath where runc puts the container's cgroups, e.g. {@code /distill/<id>}
     * @param host which limits the host can enforce; the others are left out
     * @param seccomp the system calls the process may make, or null for all of them
     * @param ids the user namespace's mapping ({@link IdMapping#IDENTITY}: no user namespace); a container that joins
     *     another's network namespace joins the user namespace that owns it (see {@link NetworkMode})
     */
    public byte[] toJson(String cgroupsPath, HostCgroups host, SeccompProfile seccomp, IdMapping ids) {
        ObjectNode root = JSON.createObjectNode();
        root.put("ociVersion", "1.0.2");
        ObjectNode process = root.putObject("process");
        process.put("terminal", false);
        ObjectNode u = process.putObject("user");
        u.put("uid", user.uid());
        u.put("gid", user.gid());
        if (!user.groups().isEmpty()) {
            user.groups().forEach(u.putArray("additionalGids")::add);
        }
        args.forEach(process.putArray("args")::add);
        env.forEach(process.putArray("env")::add);
        process.put("cwd", cwd);
        ObjectNode caps = process.putObject("capabilities");
        List<String> granted = user.isRoot() ? DEFAULT_CAPABILITIES : List.of();
        for (String set : List.of("bounding", "effective", "permitted")) {
            granted.forEach(caps.putArray(set)::add);
        }
        process.put("noNewPrivileges", true);

        ObjectNode rootfs = root.putObject("root");
        rootfs.put("path", "rootfs");
        rootfs.put("readonly", readOnlyRoot);
        root.put("hostname", hostname);

        ArrayNode m = root.putArray("mounts");
        mount(m, "/proc", "proc", "proc");
        mount(m, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", TMPFS_SIZE);
        mount(m, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(m, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", TMPFS_SIZE);
        mount(m, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(m, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        if (readOnlyRoot) {
            mount(m, "/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777", TMPFS_SIZE);
            mount(m, "/run", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=755", TMPFS_SIZE);
        }
        for (BindMount bind : mounts) {
            mount(m, bind.destination(), "bind", bind.source().toString(), "rbind", "nosuid", "nodev",
                    bind.readOnly() ? "ro" : "rw");
        }

        ObjectNode linux = root.putObject("linux");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String type : List.of("pid", "ipc", "uts", "mount")) {
            namespaces.addObject().put("type", type);
        }
        ObjectNode net = namespaces.addObject().put("type", "network");
        if (!network.isNew()) {
            net.put("path", network.join().toString());
        }
        if (!ids.isIdentity()) {
            ObjectNode userns = namespaces.addObject().put("type", "user");
            if (network.userNamespace() != null) {
                userns.put("path", network.userNamespace().toString());
            }
            // runc needs the mappings also when it joins: it owns the container's /dev and its exec FIFO by them.
            linux.putArray("uidMappings").addObject().put("containerID", 0).put("hostID", ids.hostUid()).put("size", ids.size());
            linux.putArray("gidMappings").addObject().put("containerID", 0).put("hostID", ids.hostGid()).put("size", ids.size());
        }
        linux.put("cgroupsPath", cgroupsPath);
        ObjectNode resources = linux.putObject("resources");
        resources.putArray("devices").addObject().put("allow", false).put("access", "rwm");
        if (host.memory()) {
            ObjectNode memory = resources.putObject("memory").put("limit", limits.memoryBytes());
            if (host.swapAccounting()) {
                memory.put("swap", limits.memoryBytes());  // memory+swap equal to memory: no swap at all
            }
        }
        if (host.cpu()) {
            long period = 100_000;
            resources.putObject("cpu").put("quota", period * limits.cpuMillis() / 1000).put("period", period);
        }
        if (host.pids()) {
            resources.putObject("pids").put("limit", limits.pids());
        }
        List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi").forEach(linux.putArray("maskedPaths")::add);
        List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger").forEach(linux.putArray("readonlyPaths")::add);
        if (seccomp != null) {
            seccomp.writeTo(linux);
        }
        root.putObject("annotations").put("org.opencontainers.image.stopSignal", stopSignal);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a runtime config", e);
        }
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
        ObjectNode mount = mounts.addObject().put("destination", destination).put("type", type).put("source", source);
        if (options.length > 0) {
            List.of(options).forEach(mount.putArray("options")::add);
        }
    }
}
