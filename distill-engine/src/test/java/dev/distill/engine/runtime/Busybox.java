package dev.distill.engine.runtime;

import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.identity.Identity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Tiny images around the host's static busybox, and whether this machine can run them under runc. */
final class Busybox {

    static final Path BINARY = Path.of("/bin/busybox");
    private static final List<String> APPLETS = List.of("sh", "cat", "echo", "touch", "mkdir", "sleep", "seq", "wget",
            "httpd", "nc", "ls", "true", "stat", "id", "chmod", "chown", "cut", "tr", "sed", "tail");

    private Busybox() {
    }

    /** Root, runc, a static busybox and the probe tools: what the sandbox tests need. */
    static boolean runnable() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(BINARY)
                && List.of("runc", "nsenter", "curl", "mkfifo", "strace").stream().allMatch(Busybox::onPath);
    }

    /** busybox with its applets linked in /bin, and accounts: root, www (1000:1000, also in group web 2000). */
    static MemoryFileSystem.Builder image() {
        byte[] busybox;
        try {
            busybox = Files.readAllBytes(BINARY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        MemoryFileSystem.Builder image = MemoryFileSystem.builder()
                .file("/bin/busybox", busybox, 0755)
                .file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nwww:x:1000:1000::/www:/bin/sh\n")
                .file("/etc/group", "root:x:0:\nwww:x:1000:\nweb:x:2000:www\n")
                .directory("/tmp", 01777)
                .directory("/run", 0755);
        for (String applet : APPLETS) {
            image.symlink("/bin/" + applet, "busybox");
        }
        return image;
    }

    static RuntimeConfig config(String... args) {
        return new RuntimeConfig(List.of(args), List.of("PATH=/bin"), "/", Identity.ROOT, "distill", ResourceLimits.DEFAULTS,
                NetworkMode.LOOPBACK_ONLY, List.of(), true, "SIGTERM");
    }

    static RuntimeConfig shell(String script) {
        return config("/bin/sh", "-c", script);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
