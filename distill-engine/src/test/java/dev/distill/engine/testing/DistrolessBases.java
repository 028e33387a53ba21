package dev.distill.engine.testing;

import dev.distill.engine.distroless.BaseBuildReport;
import dev.distill.engine.distroless.DebDirectory;
import dev.distill.engine.distroless.DistrolessBaseBuilder;
import dev.distill.engine.registry.RegistryClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real distroless bases for tests and benchmarks: built from Debian 12 packages at apt's candidate versions
 * (fetched once by deploy/local/bases.sh into the .deb cache the fixtures share) and pushed.
 */
public final class DistrolessBases {

    private DistrolessBases() {
    }

    /** Builds and pushes {@code <registry>/distill/{static,base,cc}:{latest,nonroot}}. */
    public static BaseBuildReport push(RegistryClient client, String registry, Path work) throws Exception {
        return new DistrolessBaseBuilder(client, downloadedDebs(), work).buildAndPush(registry);
    }

    /** The packages at apt's candidate versions, fetched (once) by deploy/local/bases.sh into the shared cache. */
    public static DebDirectory downloadedDebs() throws IOException, InterruptedException {
        Path script = FixtureImages.repoRoot().resolve("deploy/local/bases.sh");
        Process p = new ProcessBuilder("bash", script.toString(), "--download-only")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(script + " --download-only failed (it needs Debian's apt and deb.debian.org): " + out);
        }
        Path directory = null;
        Map<String, String> versions = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("debs=")) {
                directory = Path.of(line.substring(5));
            } else if (line.startsWith("pin=")) {
                String pin = line.substring(4);
                versions.put(pin.substring(0, pin.indexOf('=')), pin.substring(pin.indexOf('=') + 1));
            }
        }
        if (directory == null) {
            throw new IllegalStateException(script + " --download-only printed no debs= line: " + out);
        }
        return new DebDirectory(directory, versions);
    }
}
