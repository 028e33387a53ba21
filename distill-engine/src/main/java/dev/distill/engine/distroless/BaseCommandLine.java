package dev.distill.engine.distroless;

import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.registry.RegistryException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the base-building commands share: {@code <deb-directory> <registry[/repository]> [package=version ...]}, a work
 * directory removed afterwards whatever happens, and the exit codes (0 built and pushed, 1 the build failed with the
 * reason, 2 bad arguments).
 */
final class BaseCommandLine {

    /** One command's build, given the parsed arguments. */
    interface Build {
        void run(DebDirectory debs, String repositoryPrefix, Path work) throws IOException, RegistryException;
    }

    private BaseCommandLine() {
    }

    /**
     * @param command the command's name, for its usage line
     * @param example an example invocation and what it pushes, shown with the usage
     * @param what what it builds, for the failure line ("building {@code what} failed: ...")
     */
    static int run(String command, String example, String what, String[] args, PrintStream err, Build build) {
        if (args.length < 2) {
            err.println("usage: " + command + " <deb-directory> <registry[/repository]> [package=version ...]");
            err.println("  e.g. " + example);
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
            work = Files.createTempDirectory("distill-" + command.toLowerCase(java.util.Locale.ROOT) + "-");
            build.run(new DebDirectory(Path.of(args[0]), versions), prefix, work);
            return 0;
        } catch (IOException | RegistryException | IllegalArgumentException e) {
            err.println("building " + what + " failed: " + e.getMessage());
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
