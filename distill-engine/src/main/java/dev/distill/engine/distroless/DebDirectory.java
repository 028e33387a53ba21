package dev.distill.engine.distroless;

import dev.distill.engine.debian.DebianPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A directory of {@code .deb} files named as {@code apt-get download} names them
 * ({@code <package>_<version with ':' as %3a>_<arch>.deb}), possibly holding several versions of a package (the
 * fixtures share the cache); a version can be pinned per package.
 *
 * @param versions package name to the exact version to take; packages not in it must have exactly one file
 */
public record DebDirectory(Path directory, Map<String, String> versions) {

    public DebDirectory {
        if (directory == null || versions == null) {
            throw new IllegalArgumentException("a deb directory needs a path and pinned versions, got " + directory + ", " + versions);
        }
        versions = Map.copyOf(versions);
    }

    public DebDirectory(Path directory) {
        this(directory, Map.of());
    }

    /**
     * The package's .deb, read.
     *
     * @throws DistrolessBuildException naming the package when there is no such file, or several and no pin
     */
    public DebianPackage open(String name) throws IOException {
        String version = versions.get(name);
        String prefix = name + "_" + (version != null ? version.replace(":", "%3a") + "_" : "");
        List<Path> candidates;
        try (Stream<Path> files = Files.list(directory)) {
            candidates = files.filter(f -> f.getFileName().toString().startsWith(prefix) && f.getFileName().toString().endsWith(".deb"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new DistrolessBuildException("cannot list the .deb directory " + directory + ": " + e.getMessage(), e);
        }
        if (candidates.isEmpty()) {
            throw new DistrolessBuildException("no .deb for package " + name + (version != null ? " version " + version : "")
                    + " in " + directory + " (expected " + prefix + (version != null ? "" : "<version>_") + "<arch>.deb; "
                    + "deploy/local/bases.sh downloads them)");
        }
        if (candidates.size() > 1) {
            throw new DistrolessBuildException("several .debs for package " + name + " in " + directory + ": "
                    + candidates.stream().map(p -> p.getFileName().toString()).toList() + "; pin one version (" + name + "=<version>)");
        }
        DebianPackage deb = DebianPackage.read(candidates.get(0));
        if (!deb.name().equals(name) || (version != null && !deb.version().equals(version))) {
            throw new DistrolessBuildException(candidates.get(0) + " is " + deb.name() + "=" + deb.version() + ", not package "
                    + name + (version != null ? "=" + version : ""));
        }
        return deb;
    }
}
