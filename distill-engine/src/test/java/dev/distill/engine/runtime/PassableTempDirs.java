package dev.distill.engine.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Every {@code @TempDir} of this module's tests (set in {@code junit-platform.properties}): JUnit's own are mode 0700,
 * which a container's root cannot pass through: with user namespaces it is an unprivileged host id, and runc mounts its
 * rootfs by a path below the test's directory ({@link Sandbox#checkParent} refuses such a directory). Mode 0711 lets
 * it through without letting anyone list the directory, as a production work directory is made.
 */
public final class PassableTempDirs implements TempDirFactory {

    @Override
    public Path createTempDirectory(AnnotatedElementContext elementContext, ExtensionContext extensionContext) throws IOException {
        Path dir = Files.createTempDirectory("junit-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        return dir;
    }
}
