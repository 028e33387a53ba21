package dev.distill.e2e;

import dev.distill.engine.image.Platform;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.TinyImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small images the e2e tests push, and the client they push them with. */
final class TestImages {

    /** Pushes as a user's tool would; Distill's own user agent would (rightly) be ignored by the webhook. */
    static final RegistryClient USER = RegistryClient.builder().userAgent("e2e-user-push/1.0").build();

    private TestImages() {
    }

    /** A small migratable image: Debian's static busybox serving a page; {@code marker} makes its digest unique. */
    static TinyImage busyboxHttpd(String marker) {
        try {
            return TinyImage.builder().platform(Platform.LINUX_AMD64)
                    .file("/bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), 0755)
                    .file("/srv/www/index.html", marker + "\n")
                    .entrypoint("/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/srv/www")
                    .user("65534").exposedPort("8080/tcp").build();
        } catch (IOException e) {
            throw new AssertionError("the e2e images use /bin/busybox from busybox-static", e);
        }
    }
}
