package dev.distill.engine.packages;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The packages of an image and the files each installed, as the analysis read them from the image's package
 * database in its one pass over the layers.
 *
 * @param sources the database files read ({@code /var/lib/dpkg/status}, {@code status.d/*}, {@code /lib/apk/db/installed})
 * @param packages every installed package, in database order
 * @param problems what could not be read (a malformed stanza, a list over the size limit), each naming the file;
 *     recorded, never thrown
 */
public record PackageInventory(PackageManager manager, List<String> sources, List<InstalledPackage> packages,
        List<String> problems) {

    /** An image without a package database. */
    public static final PackageInventory NONE = new PackageInventory(PackageManager.NONE, List.of(), List.of(), List.of());

    public PackageInventory {
        manager = manager == null ? PackageManager.NONE : manager;
        sources = sources == null ? List.of() : List.copyOf(sources);
        packages = packages == null ? List.of() : List.copyOf(packages);
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    /** Which packages own each path of the image (usually one; a diverted or shared file may have more). */
    public Map<String, List<InstalledPackage>> owners() {
        Map<String, List<InstalledPackage>> owners = new HashMap<>();
        for (InstalledPackage p : packages) {
            for (PackageFile f : p.files()) {
                List<InstalledPackage> list = owners.computeIfAbsent(f.path(), k -> new ArrayList<>(1));
                if (list.stream().noneMatch(known -> known == p)) {
                    list.add(p);
                }
            }
        }
        return owners;
    }

    /** How many files all packages installed that the image still has. */
    public long fileCount() {
        return packages.stream().mapToLong(p -> p.files().size()).sum();
    }
}
