package dev.distill.engine.distroless;

import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Command line for deploy/local/bases.sh:
 * {@code BuildBases <deb-directory> <registry[/repository]> [package=version ...]}. Prints one line per pushed
 * image ({@code pushed <reference> <digest> compressed=<bytes> uncompressed=<bytes>}), then the packages, the
 * certificate count and what was left out; exits 1 with the reason when the build fails, 2 on bad arguments.
 */
public final class BuildBases {

    private BuildBases() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2) {
            err.println("usage: BuildBases <deb-directory> <registry[/repository]> [package=version ...]");
            err.println("  e.g. BuildBases /work/fixture-cache/debs 127.0.0.1:5000   (pushes 127.0.0.1:5000/distill/{static,base,cc}:{latest,nonroot})");
            return 2;
        }
        Map<String, String> versions;
        try {
            versions = pinnedVersions(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        Path work = null;
        try {
            String prefix = DistrolessBaseBuilder.repositoryPrefix(args[1]);
            work = Files.createTempDirectory("distill-bases-");
            BaseBuildReport report = new DistrolessBaseBuilder(RegistryClient.builder().build(),
                    new DebDirectory(Path.of(args[0]), versions), work).buildAndPush(prefix);
            for (PushedBase image : report.images()) {
                out.printf("pushed %s %s compressed=%d uncompressed=%d layers=%d%n", image.reference().withDigest(null),
                        image.manifestDigest(), image.compressedSize(), image.uncompressedSize(), image.layers());
            }
            out.println("packages " + String.join(" ", report.packages()));
            out.println("certificates " + report.certificates());
            report.omitted().forEach(o -> out.println("omitted " + o.packageName() + " " + o.path() + ": " + o.reason()));
            return 0;
        } catch (IOException | RegistryException | IllegalArgumentException e) {
            err.println("building the distroless bases failed: " + e.getMessage());
            return 1;
        } finally {
            WorkDirectories.removeTreeQuietly(work);
        }
    }

    /** The {@code package=version} pins after the two positional arguments, in order. */
    static Map<String, String> pinnedVersions(String[] args) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            if (equals <= 0 || equals == args[i].length() - 1) {
                throw new IllegalArgumentException("not package=version: " + args[i]);
            }
            versions.put(args[i].substring(0, equals), args[i].substring(equals + 1));
        }
        return versions;
    }
}
