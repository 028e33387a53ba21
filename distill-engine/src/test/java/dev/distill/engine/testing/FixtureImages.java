package dev.distill.engine.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The project's fixture images (fixtures/), built or found in the cache with fixtures/build.sh, and optionally
 * copied into a registry over plain HTTP.
 */
public final class FixtureImages {

    /** Where the fixture is: its unpacked rootfs, its OCI layout and the layout's tag. */
    public record Built(Path rootfs, Path layout, String tag) {
    }

    private FixtureImages() {
    }

    public static Path repoRoot() {
        String configured = System.getProperty("distill.repo.root");
        Path start = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("fixtures/build.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find fixtures/build.sh above " + start);
    }

    public static Built build(String name) throws IOException, InterruptedException {
        return run(name);
    }

    /** Builds the fixture (cached) and copies it to {@code reference}, e.g. {@code 127.0.0.1:5000/fixtures/php:1}. */
    public static Built push(String name, String reference) throws IOException, InterruptedException {
        return run(name, "--push", reference);
    }

    private static Built run(String name, String... options) throws IOException, InterruptedException {
        Path log = Files.createTempFile("fixture-" + name, ".log");
        List<String> command = new ArrayList<>(List.of("bash", repoRoot().resolve("fixtures/build.sh").toString(), name));
        command.addAll(List.of(options));
        Process p = new ProcessBuilder(command).directory(repoRoot().toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("fixtures/build.sh " + name + " failed (it needs root and Debian's apt): "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(log)) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("[")) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        Files.deleteIfExists(log);
        return new Built(Path.of(out.get("rootfs")), Path.of(out.get("layout")), out.get("tag"));
    }
}
