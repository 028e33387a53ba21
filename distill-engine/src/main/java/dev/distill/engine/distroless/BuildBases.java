package dev.distill.engine.distroless;

import dev.distill.engine.registry.RegistryClient;
import java.io.PrintStream;

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
        return BaseCommandLine.run("BuildBases", "BuildBases /work/fixture-cache/debs 127.0.0.1:5000   (pushes"
                + " 127.0.0.1:5000/distill/{static,base,cc}:{latest,nonroot})", "the distroless bases", args, err,
                (debs, prefix, work) -> {
                    BaseBuildReport report = new DistrolessBaseBuilder(RegistryClient.builder().build(), debs, work)
                            .buildAndPush(prefix);
                    for (PushedBase image : report.images()) {
                        out.printf("pushed %s %s compressed=%d uncompressed=%d layers=%d%n",
                                image.reference().withDigest(null), image.manifestDigest(), image.compressedSize(),
                                image.uncompressedSize(), image.layers());
                    }
                    out.println("packages " + String.join(" ", report.packages()));
                    out.println("certificates " + report.certificates());
                    report.omitted().forEach(o -> out.println("omitted " + o.packageName() + " " + o.path() + ": "
                            + o.reason()));
                });
    }
}
