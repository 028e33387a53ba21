package dev.distill.engine.assembly;

import dev.distill.engine.detect.surface.SurfaceDetector;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.packages.InstalledPackage;
import dev.distill.engine.packages.PackageDatabaseReader;
import dev.distill.engine.packages.PackageManager;
import dev.distill.engine.sbom.ImageContents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The packages a base records (distroless: {@code /var/lib/dpkg/status.d/}) and its OS, read once per base: the
 * result's records must not clash with the base's, and the SBOM lists the base's packages too.
 *
 * @param versions package name to version, for every package the base records
 * @param distro the base's OS from its os-release; null when it has none
 */
record BasePackages(List<InstalledPackage> packages, Map<String, String> versions, ImageContents.Distro distro) {

    static final BasePackages NONE = new BasePackages(List.of(), Map.of(), null);

    BasePackages {
        packages = List.copyOf(packages);
        versions = Map.copyOf(versions);
    }

    /** Reads the base's records and os-release in one pass over the layers that hold them. */
    static BasePackages read(ImageFileSystem base) throws IOException {
        List<FileEntry> records = new ArrayList<>(base.entries()
                .filter(e -> e.isRegular() && PackageDatabaseReader.reads(e.path())).toList());
        Optional<FileEntry> osRelease = resolve(base, "/etc/os-release").or(() -> resolve(base, "/usr/lib/os-release"));
        osRelease.filter(FileEntry::isRegular).ifPresent(records::add);
        if (records.isEmpty()) {
            return NONE;
        }
        PackageDatabaseReader reader = new PackageDatabaseReader();
        String[] release = {null};
        base.readAll(records, (file, in) -> {
            if (osRelease.isPresent() && file.path().equals(osRelease.get().path())) {
                release[0] = new String(in.readNBytes(64 << 10), StandardCharsets.UTF_8);
            } else {
                reader.visitor().visit(file, in);
            }
        });
        List<InstalledPackage> packages = reader.inventory(base).packages().stream()
                .filter(p -> p.manager() == PackageManager.DPKG).toList();
        Map<String, String> versions = new LinkedHashMap<>();
        packages.forEach(p -> versions.putIfAbsent(p.name(), p.version()));
        ImageContents.Distro distro = null;
        if (release[0] != null) {
            Map<String, String> fields = SurfaceDetector.osRelease(release[0]);
            if (!fields.getOrDefault("ID", "").isEmpty()) {
                distro = new ImageContents.Distro(fields.get("ID"), fields.getOrDefault("VERSION_ID", ""));
            }
        }
        return new BasePackages(packages, versions, distro);
    }

    private static Optional<FileEntry> resolve(ImageFileSystem fs, String path) {
        try {
            return fs.resolve(path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return Optional.empty();
        }
    }
}
