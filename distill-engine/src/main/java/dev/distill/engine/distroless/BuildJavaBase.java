package dev.distill.engine.distroless;

import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Command line for {@code deploy/local/bases.sh --java}:
 * {@code BuildJavaBase <deb-directory> <registry[/repository]> [package=version ...]}, after {@link BuildBases} pushed
 * the {@code cc} base there. Prints one line per pushed image ({@code pushed <reference> <digest> compressed=<bytes>}),
 * then the packages, the files taken from each library package, the packages not needed and the certificates; exits 1
 * with the reason when the build fails (a library the runtime needs that no listed package has), 2 on bad arguments.
 */
public final class BuildJavaBase {

    private BuildJavaBase() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2) {
            err.println("usage: BuildJavaBase <deb-directory> <registry[/repository]> [package=version ...]");
            err.println("  e.g. BuildJavaBase /work/fixture-cache/debs 127.0.0.1:5000   (pushes 127.0.0.1:5000/distill/java17:{latest,nonroot}"
                    + " and 127.0.0.1:5000/distill/java17-runc:latest)");
            return 2;
        }
        Map<String, String> versions;
        try {
            versions = BuildBases.pinnedVersions(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        Path work = null;
        try {
            String prefix = DistrolessBaseBuilder.repositoryPrefix(args[1]);
            work = Files.createTempDirectory("distill-java-base-");
            JavaBaseReport report = new JavaBaseBuilder(RegistryClient.builder().build(),
                    new DebDirectory(Path.of(args[0]), versions), work).buildAndPush(prefix);
            for (JavaBaseReport.Image image : report.images()) {
                out.printf("pushed %s %s compressed=%d layers=%d%n", image.reference().withDigest(null), image.manifestDigest(),
                        image.compressedSize(), image.layers());
            }
            out.println("base " + report.base());
            out.println("java-home " + report.javaHome());
            out.println("packages " + String.join(" ", report.packages()));
            report.libraries().forEach(c -> out.println("library " + c.packageVersion() + " " + String.join(" ", c.paths())));
            out.println("unused " + String.join(" ", report.unused()));
            out.println("certificates " + report.certificates());
            report.omitted().forEach(o -> out.println("omitted " + o.packageName() + " " + o.path() + ": " + o.reason()));
            return 0;
        } catch (IOException | RegistryException | IllegalArgumentException e) {
            err.println("building the Java base failed: " + e.getMessage());
            return 1;
        } finally {
            WorkDirectories.removeTreeQuietly(work);
        }
    }
}
