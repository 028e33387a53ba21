package dev.distill.engine.layer;

/**
 * Bounds on what reading an image's layers may cost, so memory and time depend on this configuration rather
 * than on whatever an image claims.
 *
 * @param maxTotalUncompressedBytes all layers together, decompressed, tar headers and padding included: stops
 *     decompression bombs
 * @param maxEntries tar entries over all layers (whiteouts included): bounds the metadata held in memory
 * @param maxPathLength characters of a normalised path, a symlink target or a hard link target (Linux's
 *     {@code PATH_MAX} is 4096)
 * @param maxInMemoryFileBytes the largest file {@link LayeredFileSystem#open} reads into memory; larger files
 *     are read with {@link LayeredFileSystem#readAll}, which streams them
 */
public record LayerLimits(long maxTotalUncompressedBytes, int maxEntries, int maxPathLength, long maxInMemoryFileBytes) {

    public static final long DEFAULT_MAX_TOTAL_UNCOMPRESSED_BYTES = 8L * 1024 * 1024 * 1024;
    public static final int DEFAULT_MAX_ENTRIES = 1_000_000;
    public static final int DEFAULT_MAX_PATH_LENGTH = 4096;
    public static final long DEFAULT_MAX_IN_MEMORY_FILE_BYTES = 64L * 1024 * 1024;

    public LayerLimits {
        if (maxTotalUncompressedBytes <= 0 || maxEntries <= 0 || maxPathLength <= 0 || maxInMemoryFileBytes <= 0) {
            throw new IllegalArgumentException("layer limits must be positive, got " + maxTotalUncompressedBytes + " bytes, "
                    + maxEntries + " entries, path length " + maxPathLength + ", in-memory file " + maxInMemoryFileBytes + " bytes");
        }
        if (maxInMemoryFileBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an in-memory file cannot exceed a Java array; got " + maxInMemoryFileBytes + " bytes");
        }
    }

    /** 8 GiB uncompressed, 1,000,000 entries, paths of 4096 characters, 64 MiB files in memory. */
    public static LayerLimits defaults() {
        return new LayerLimits(DEFAULT_MAX_TOTAL_UNCOMPRESSED_BYTES, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_PATH_LENGTH,
                DEFAULT_MAX_IN_MEMORY_FILE_BYTES);
    }

    public LayerLimits withMaxTotalUncompressedBytes(long bytes) {
        return new LayerLimits(bytes, maxEntries, maxPathLength, maxInMemoryFileBytes);
    }

    public LayerLimits withMaxEntries(int entries) {
        return new LayerLimits(maxTotalUncompressedBytes, entries, maxPathLength, maxInMemoryFileBytes);
    }

    public LayerLimits withMaxPathLength(int length) {
        return new LayerLimits(maxTotalUncompressedBytes, maxEntries, length, maxInMemoryFileBytes);
    }

    public LayerLimits withMaxInMemoryFileBytes(long bytes) {
        return new LayerLimits(maxTotalUncompressedBytes, maxEntries, maxPathLength, bytes);
    }
}
