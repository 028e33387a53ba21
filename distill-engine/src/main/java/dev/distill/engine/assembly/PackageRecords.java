package dev.distill.engine.assembly;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.packages.ApkRecords;
import dev.distill.engine.packages.CarriedPackage;
import dev.distill.engine.packages.DpkgRecords;
import dev.distill.engine.packages.InstalledPackage;
import dev.distill.engine.packages.PackageInventory;
import dev.distill.engine.packages.PackageManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The layer that gives a result image the package records of what it carries, in the form scanners read: for a
 * dpkg source, {@code /var/lib/dpkg/status.d/<package>} and {@code <package>.md5sums} per package, as distroless
 * writes its own, plus the package's copyright file (its licence, which goes with the binaries); for an apk source,
 * {@code /lib/apk/db/installed} with the carried packages. A package only part of which is carried is marked so
 * (see {@link DpkgRecords} and {@link ApkRecords}). A package the base already records at the same version is left
 * to the base's record; at another version, the source's record goes beside it as {@code <package>~source} (a name
 * no Debian package can have), since the image then has files of both.
 *
 * <p>A layer of its own, right below the program's: the program's layer, on top, stays exactly the plan's files. The
 * records describe this image alone, so a layer that several images of a migration share sits below this one, right
 * above the base, and keeps one digest in all of them.
 */
final class PackageRecords {

    static final String STATUS_DIRECTORY = DpkgRecords.STATUS_DIRECTORY;

    /**
     * What was written.
     *
     * @param layer the records layer; null when there is nothing to record (no package database, nothing owned)
     * @param packages the source's packages the image carries files of (copyright files counted)
     * @param carried every path the image carries from the source: the program's files and the copyright files
     */
    record Result(WrittenLayer layer, ResultContents contents, List<CarriedPackage> packages, Set<String> carried) {
    }

    private PackageRecords() {
    }

    /** The copyright files of the packages owning any of these paths: read with the carried files' bytes. */
    static List<FileEntry> copyrights(PackageInventory inventory, Map<String, List<InstalledPackage>> owners,
            Collection<String> paths, ImageFileSystem source) {
        Set<String> wanted = new TreeSet<>();
        for (String path : paths) {
            for (InstalledPackage p : owners.getOrDefault(path, List.of())) {
                if (p.copyright() != null) {
                    wanted.add(p.copyright());
                }
            }
        }
        List<FileEntry> out = new ArrayList<>();
        for (String path : wanted) {
            source.entry(path).filter(FileEntry::isRegular).ifPresent(out::add);
        }
        return out;
    }

    /**
     * @param files the source's entries the program's layer holds
     * @param base the base's view, for the directories it has
     */
    static Result write(PackageInventory inventory, Map<String, List<InstalledPackage>> owners, List<FileEntry> files,
            BasePackages basePackages, ImageFileSystem base, SourceContent source, Path target) throws IOException {
        Map<String, FileEntry> byPath = new HashMap<>();
        Set<String> paths = new LinkedHashSet<>();
        for (FileEntry f : files) {
            byPath.put(f.path(), f);
            if (f.type() != FileType.DIRECTORY) {
                paths.add(f.path());
            }
        }
        List<String> unpackaged = paths.stream().filter(p -> !owners.containsKey(p)).sorted().toList();
        if (inventory.manager() == PackageManager.NONE) {
            return new Result(null, new ResultContents("none", List.of(), unpackaged, List.of(), null), List.of(), paths);
        }
        List<String> notes = new ArrayList<>();
        // Copyright files go with their package, unless the base records the same package (it has them then).
        Set<String> carried = new LinkedHashSet<>(paths);
        for (CarriedPackage c : CarriedPackage.of(inventory, paths)) {
            InstalledPackage p = c.installed();
            if (p.copyright() != null && !p.version().equals(basePackages.versions().get(p.name()))
                    && source.size(p.copyright()) >= 0) {
                carried.add(p.copyright());
            }
        }
        List<CarriedPackage> packages = CarriedPackage.of(inventory, carried);
        TreeMap<String, byte[]> records = new TreeMap<>();
        List<ResultContents.Package> listed = new ArrayList<>();
        String database;
        if (inventory.manager() == PackageManager.APK) {
            database = "apk (" + ApkRecords.INSTALLED + ")";
            if (!packages.isEmpty()) {
                records.put(ApkRecords.INSTALLED, ApkRecords.installed(packages).getBytes(StandardCharsets.UTF_8));
            }
            packages.forEach(c -> listed.add(listed(c, ApkRecords.INSTALLED)));
        } else {
            database = "dpkg (" + STATUS_DIRECTORY.substring(0, STATUS_DIRECTORY.length() - 1) + ")";
            for (CarriedPackage c : packages) {
                InstalledPackage p = c.installed();
                String baseVersion = basePackages.versions().get(p.name());
                if (p.version().equals(baseVersion)) {
                    listed.add(listed(c, "recorded by the base (" + DpkgRecords.recordPath(p) + ", the same version)"));
                    continue;
                }
                String name = baseVersion == null ? p.name() : p.name() + "~source";
                if (baseVersion != null) {
                    notes.add("the base records " + p.name() + " " + baseVersion + " and the source carries files of "
                            + p.name() + " " + p.version() + ": the source's record is " + STATUS_DIRECTORY + name);
                }
                records.put(STATUS_DIRECTORY + name, DpkgRecords.record(c).getBytes(StandardCharsets.UTF_8));
                String md5sums = DpkgRecords.md5sums(c);
                if (md5sums != null) {
                    records.put(STATUS_DIRECTORY + name + ".md5sums", md5sums.getBytes(StandardCharsets.UTF_8));
                }
                listed.add(listed(c, STATUS_DIRECTORY + name));
            }
        }
        Set<String> copyrights = new TreeSet<>(carried);
        copyrights.removeAll(paths);
        ResultContents contents = new ResultContents(database, listed, unpackaged, notes, null);
        if (records.isEmpty() && copyrights.isEmpty()) {
            return new Result(null, contents, packages, carried);
        }
        return new Result(writeLayer(records, copyrights, byPath, base, source, target), contents, packages, carried);
    }

    private static ResultContents.Package listed(CarriedPackage c, String record) {
        InstalledPackage p = c.installed();
        return new ResultContents.Package(p.name(), p.version(), p.architecture(), c.partial(), c.carried().size(),
                p.files().size(), c.carriedBytes(), p.size(), p.licenses(), record);
    }

    private record Dir(int mode, int uid, int gid) {
    }

    private static WrittenLayer writeLayer(TreeMap<String, byte[]> records, Set<String> copyrights,
            Map<String, FileEntry> program, ImageFileSystem base, SourceContent source, Path target) throws IOException {
        // Each path goes where the image will have it: through a symlink the program carries (a usr-merged /lib)
        // or the base has, never as a directory over a link.
        TreeMap<String, Object> entries = new TreeMap<>();
        records.forEach((path, bytes) -> entries.put(place(path, program, base), bytes));
        for (String path : copyrights) {
            entries.put(place(path, program, base), path);
        }
        TreeMap<String, Dir> dirs = new TreeMap<>();
        for (String path : entries.keySet()) {
            for (String dir = Paths.parent(path); !dir.equals("/"); dir = Paths.parent(dir)) {
                if (base.entry(dir).map(FileEntry::isDirectory).orElse(false)
                        || program.containsKey(dir) && program.get(dir).type() == FileType.DIRECTORY) {
                    continue;
                }
                Optional<FileEntry> inSource = source.view().entry(dir).filter(FileEntry::isDirectory);
                dirs.putIfAbsent(dir, inSource.map(e -> new Dir(e.mode() & 07777, e.uid(), e.gid())).orElse(new Dir(0755, 0, 0)));
            }
        }
        TreeMap<String, Object> all = new TreeMap<>(entries);
        dirs.forEach(all::put);
        try (LayerWriter w = new LayerWriter(target)) {
            for (Map.Entry<String, Object> e : all.entrySet()) {
                if (e.getValue() instanceof Dir d) {
                    w.directory(e.getKey(), d.mode(), d.uid(), d.gid());
                } else if (e.getValue() instanceof byte[] bytes) {
                    w.file(e.getKey(), 0644, 0, 0, bytes);
                } else {
                    String from = (String) e.getValue();
                    FileEntry entry = source.view().entry(from).orElseThrow();
                    try (InputStream in = source.open(from)) {
                        w.file(e.getKey(), entry.mode() & 01777, entry.uid(), entry.gid(), source.size(from), in);
                    }
                }
            }
            return w.finish();
        }
    }

    /** The path with each directory that is a symlink (in the program's files, else the base) followed. */
    static String place(String path, Map<String, FileEntry> program, ImageFileSystem base) {
        String current = path;
        for (int hops = 0; hops < 16; hops++) {
            String rewritten = null;
            String[] parts = current.substring(1).split("/");
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) {
                prefix.append('/').append(parts[i]);
                String dir = prefix.toString();
                String link = program.containsKey(dir) ? (program.get(dir).type() == FileType.SYMLINK ? program.get(dir).linkTarget() : null)
                        : base.entry(dir).filter(FileEntry::isSymlink).map(FileEntry::linkTarget).orElse(null);
                if (link != null) {
                    String resolved = link.startsWith("/") ? link : Paths.parent(dir) + "/" + link;
                    rewritten = Paths.normalize(resolved + "/" + String.join("/", java.util.Arrays.copyOfRange(parts, i + 1, parts.length)));
                    break;
                }
            }
            if (rewritten == null) {
                return current;
            }
            current = rewritten;
        }
        return current;
    }
}
