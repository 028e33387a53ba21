package dev.distill.engine.assembly;

import dev.distill.engine.detect.surface.SurfaceResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the source had and no result image carries: shells, package managers, compilers, interpreters, network
 * tools, setuid and setgid files (each with its path and layer), the packages the source's package database
 * lists, and the surface removed counted in packages and files ({@link PackageSurface}).
 */
public record LeftBehind(List<Item> items, List<String> packages, String packageDatabase, PackageSurface packageSurface) {

    public LeftBehind {
        items = List.copyOf(items);
        packages = List.copyOf(packages);
        packageSurface = packageSurface == null ? PackageSurface.UNKNOWN : packageSurface;
    }

    public LeftBehind(List<Item> items, List<String> packages, String packageDatabase) {
        this(items, packages, packageDatabase, PackageSurface.UNKNOWN);
    }

    /** One thing left behind: its kind (SHELL, PACKAGE_MANAGER, SETUID, ...), name, path and source layer. */
    public record Item(String kind, String name, String path, String layer) {
    }

    /**
     * @param carried every path any result image carries
     * @param packageSurface the source's packages and files no image carries, and those that remain
     */
    static LeftBehind of(SurfaceResult surface, Set<String> carried, PackageSurface packageSurface) {
        if (surface == null) {
            return new LeftBehind(List.of(), List.of(), "unknown: the analysis has no attack-surface inventory",
                    packageSurface);
        }
        List<Item> items = new ArrayList<>();
        for (SurfaceResult.Item i : surface.items()) {
            if (!carried.contains(i.path())) {
                items.add(new Item(i.category().name(), i.name(), i.path(), i.layer()));
            }
        }
        SurfaceResult.Packages p = surface.packages();
        String database = p.dpkg() >= 0 ? "dpkg (" + String.join(", ", p.dpkgSources()) + ")"
                : p.apk() >= 0 ? "apk (/lib/apk/db/installed)" : "none found";
        return new LeftBehind(items, p.names(), database, packageSurface);
    }
}
