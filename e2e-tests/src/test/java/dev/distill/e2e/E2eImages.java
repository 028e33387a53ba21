package dev.distill.e2e;

import dev.distill.engine.image.Platform;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.TinyImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small images the e2e classes push, built in memory around Debian's static busybox. */
final class E2eImages {

    /** Pushes as a user's tool would; Distill's own user agent would (rightly) be ignored by the webhook. */
    static final RegistryClient USER = RegistryClient.builder().userAgent("e2e-user-push/1.0").build();

    private E2eImages() {
    }

    private static byte[] busybox() {
        try {
            return Files.readAllBytes(Path.of("/bin/busybox"));
        } catch (IOException e) {
            throw new AssertionError("the e2e images use /bin/busybox from busybox-static", e);
        }
    }

    /** A migratable image: busybox serving a page on 8080; {@code marker} makes its digest unique. */
    static TinyImage httpServer(String marker) {
        return TinyImage.builder().platform(Platform.LINUX_AMD64)
                .file("/bin/busybox", busybox(), 0755)
                .file("/srv/www/index.html", marker + "\n")
                .entrypoint("/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/srv/www")
                .user("65534").exposedPort("8080/tcp").build();
    }

    /** An image whose entrypoint script sources files in a loop: it really needs a shell, so it is BLOCKED. */
    static TinyImage needsAShell(String marker) {
        return TinyImage.builder().platform(Platform.LINUX_AMD64)
                .file("/bin/busybox", busybox(), 0755)
                .symlink("/bin/sh", "busybox")
                .file("/etc/app/site.conf", "PORT=8080\n# " + marker + "\n")
                .file("/app/start.sh", "#!/bin/sh\nfor f in /etc/app/*.conf; do . \"$f\"; done\n"
                        + "exec /bin/busybox httpd -f -p \"$PORT\" -h /srv\n", 0755)
                .entrypoint("/app/start.sh").exposedPort("8080/tcp").user("65534").build();
    }
}
