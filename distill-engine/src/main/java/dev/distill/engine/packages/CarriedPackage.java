package dev.distill.engine.packages;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * A package of the source some of whose files an image carries.
 *
 * @param carried the package's files the image carries, in the database's order
 */
public record CarriedPackage(InstalledPackage installed, List<PackageFile> carried) {

    public CarriedPackage {
        carried = List.copyOf(carried);
    }

    /** Whether only some of the package's files are carried. */
    public boolean partial() {
        return carried.size() < installed.files().size();
    }

    public long carriedBytes() {
        return carried.stream().mapToLong(PackageFile::size).sum();
    }

    /**
     * The packages owning any of {@code paths} (what an image carries from the source), each with the files of it
     * the image has, in the inventory's order.
     */
    public static List<CarriedPackage> of(PackageInventory inventory, Collection<String> paths) {
        Set<String> carried = paths instanceof Set<String> set ? set : Set.copyOf(paths);
        List<CarriedPackage> out = new ArrayList<>();
        for (InstalledPackage p : inventory.packages()) {
            List<PackageFile> files = p.files().stream().filter(f -> carried.contains(f.path())).toList();
            if (!files.isEmpty()) {
                out.add(new CarriedPackage(p, files));
            }
        }
        return out;
    }
}
