package dev.distill.events;

import java.util.List;

/**
 * The source's surface removed, counted in packages and files: how many of its packages and files no result image
 * carries, and which packages remain, in full or in part, with their size.
 *
 * @param manager the source's package manager: {@code DPKG}, {@code APK} or {@code NONE}
 * @param sourceFiles the source's files (entries that are not directories); {@code filesRemoved} those no result carries
 * @param remaining the packages a result image carries files of
 */
public record PackageSurface(String manager, int sourcePackages, int packagesRemoved, long sourceFiles, long filesRemoved,
        List<Remaining> remaining) {

    /** Not known: a build before package records, or a source without a package database. */
    public static final PackageSurface UNKNOWN = new PackageSurface("NONE", 0, 0, 0, 0, List.of());

    public PackageSurface {
        manager = manager == null ? "NONE" : manager;
        remaining = remaining == null ? List.of() : List.copyOf(remaining);
    }

    /**
     * A package that remains.
     *
     * @param partial whether only some of its files are carried
     * @param bytesCarried the bytes of its files the results carry; {@code bytesTotal} all of its files' in the source
     */
    public record Remaining(String name, String version, boolean partial, int filesCarried, int filesTotal,
            long bytesCarried, long bytesTotal) {
    }
}
