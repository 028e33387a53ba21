package dev.distill.engine.assembly;

import dev.distill.engine.packages.CarriedPackage;
import dev.distill.engine.packages.InstalledPackage;
import dev.distill.engine.packages.PackageFile;
import dev.distill.engine.packages.PackageInventory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The source's surface removed, counted in packages and files: how many of the source's packages and files no
 * result image carries, and which packages remain (in full or in part) with their size.
 *
 * @param manager the source's package manager ({@code DPKG}, {@code APK}, {@code NONE})
 * @param sourceFiles the source's files (every entry but directories)
 * @param filesRemoved those of them no result image carries
 * @param remaining the packages some result image carries files of, in the database's order
 */
public record PackageSurface(String manager, int sourcePackages, int packagesRemoved, long sourceFiles, long filesRemoved,
        List<Remaining> remaining) {

    public static final PackageSurface UNKNOWN = new PackageSurface("NONE", 0, 0, 0, 0, List.of());

    public PackageSurface {
        remaining = remaining == null ? List.of() : List.copyOf(remaining);
    }

    /**
     * A package that remains.
     *
     * @param partial whether only some of its files are carried (by any image)
     * @param bytesCarried the bytes of its files that are carried; {@code bytesTotal} all its files' in the source
     */
    public record Remaining(String name, String version, boolean partial, int filesCarried, int filesTotal,
            long bytesCarried, long bytesTotal) {
    }

    /**
     * @param carried every path any result image carries from the source
     * @param sourceFiles how many non-directory entries the source has
     */
    static PackageSurface of(PackageInventory inventory, Collection<String> carried, long sourceFiles) {
        Set<String> paths = carried instanceof Set<String> set ? set : Set.copyOf(carried);
        List<Remaining> remaining = new ArrayList<>();
        for (CarriedPackage c : CarriedPackage.of(inventory, paths)) {
            InstalledPackage p = c.installed();
            remaining.add(new Remaining(p.name(), p.version(), c.partial(), c.carried().size(), p.files().size(),
                    c.carriedBytes(), p.files().stream().mapToLong(PackageFile::size).sum()));
        }
        return new PackageSurface(inventory.manager().name(), inventory.packages().size(),
                inventory.packages().size() - remaining.size(), sourceFiles, Math.max(0, sourceFiles - paths.size()), remaining);
    }
}
