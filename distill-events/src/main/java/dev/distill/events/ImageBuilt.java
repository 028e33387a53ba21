package dev.distill.events;

import java.time.Instant;
import java.util.List;

/**
 * The builder pushed and tagged the distroless result image(s): one per program. Carries where they are, how big
 * they are against the source, and what the source had that none of them carries. The full build report (every
 * change to a carried file, the pod and compose wiring) is fetched by reference.
 *
 * @param sourceCompressedSize the source's layers as stored in the registry
 * @param sourceUncompressedSize the source's layers as tar
 * @param reportLocation where the build report is ({@code registry/repository@sha256:...}), or null
 * @param round 0 for the first build; n for the build that answers the n-th {@link RepairRequested}
 * @param previousVerification for a repair build, where the verification report of the round before is, so the
 *     verifier's final report can list every round
 */
public record ImageBuilt(String migrationId, Instant occurredAt, List<BuiltImage> images, long sourceCompressedSize,
        long sourceUncompressedSize, LeftBehind leftBehind, String reportLocation, String reportDigest, int round,
        String previousVerification) implements MigrationEvent {

    public ImageBuilt {
        MigrationEvent.require(migrationId, "migrationId");
        if (round < 0) {
            throw new IllegalArgumentException("round must be 0 or more, got " + round);
        }
        images = images == null ? List.of() : List.copyOf(images);
        leftBehind = leftBehind == null ? LeftBehind.NOTHING : leftBehind;
    }

    /**
     * One pushed result.
     *
     * @param reference the tagged reference, e.g. {@code 127.0.0.1:5000/shop/php:1.2-distroless-nginx}
     * @param digest its manifest digest; pull by digest to get exactly what was verified
     * @param base the distroless base reference it was built on, and {@code baseDigest} the base's digest
     * @param user the {@code uid:gid} it runs as
     * @param files how many non-directory entries its own layer holds
     */
    public record BuiltImage(String program, String reference, String digest, String base, String baseDigest,
            String user, long compressedSize, long uncompressedSize, int files) {

        public BuiltImage {
            MigrationEvent.require(program, "program");
            MigrationEvent.require(reference, "reference");
            MigrationEvent.require(digest, "digest");
        }
    }

    /**
     * What the source had that no result carries.
     *
     * @param items shells, package managers, compilers, interpreters, network tools, setuid and setgid files
     * @param packages the names the source's package database lists
     * @param packageDatabase which database that was, with its path
     * @param packageSurface how many of the source's packages and files no result carries, and which packages remain
     */
    public record LeftBehind(List<Item> items, List<String> packages, String packageDatabase, PackageSurface packageSurface) {

        public static final LeftBehind NOTHING = new LeftBehind(List.of(), List.of(), "");

        public LeftBehind {
            items = items == null ? List.of() : List.copyOf(items);
            packages = packages == null ? List.of() : List.copyOf(packages);
            packageSurface = packageSurface == null ? PackageSurface.UNKNOWN : packageSurface;
        }

        public LeftBehind(List<Item> items, List<String> packages, String packageDatabase) {
            this(items, packages, packageDatabase, PackageSurface.UNKNOWN);
        }
    }

    /** One thing left behind: its kind (SHELL, PACKAGE_MANAGER, SETUID, ...), name, path and source layer. */
    public record Item(String kind, String name, String path, String layer) {
    }
}
