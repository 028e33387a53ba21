package dev.distill.engine.analysis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Builds (or finds in the cache) a fixture image with the project's own fixtures/build.sh (public: other packages' tests use it). */
public final class Fixtures {

    public record Built(Path rootfs, Path layout, String tag) {
    }

    private Fixtures() {
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
        Path log = Files.createTempFile("fixture-" + name, ".log");
        Process p = new ProcessBuilder("bash", repoRoot().resolve("fixtures/build.sh").toString(), name)
                .directory(repoRoot().toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
        return new Built(Path.of(out.get("rootfs")), Path.of(out.get("layout")), out.get("tag"));
    }
}
