package dev.distill.engine.distroless;

import dev.distill.engine.registry.RegistryClient;
import java.io.PrintStream;

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
        return BaseCommandLine.run("BuildJavaBase", "BuildJavaBase /work/fixture-cache/debs 127.0.0.1:5000   (pushes"
                + " 127.0.0.1:5000/distill/java17:{latest,nonroot} and 127.0.0.1:5000/distill/java17-runc:latest)",
                "the Java base", args, err, (debs, prefix, work) -> {
                    JavaBaseReport report = new JavaBaseBuilder(RegistryClient.builder().build(), debs, work)
                            .buildAndPush(prefix);
                    for (JavaBaseReport.Image image : report.images()) {
                        out.printf("pushed %s %s compressed=%d layers=%d%n", image.reference().withDigest(null),
                                image.manifestDigest(), image.compressedSize(), image.layers());
                    }
                    out.println("base " + report.base());
                    out.println("java-home " + report.javaHome());
                    out.println("packages " + String.join(" ", report.packages()));
                    report.libraries().forEach(c -> out.println("library " + c.packageVersion() + " "
                            + String.join(" ", c.paths())));
                    out.println("unused " + String.join(" ", report.unused()));
                    out.println("certificates " + report.certificates());
                    report.omitted().forEach(o -> out.println("omitted " + o.packageName() + " " + o.path() + ": "
                            + o.reason()));
                });
    }
}
