package dev.distill.engine.layer;

import static dev.distill.engine.layer.LayerException.Kind.LIMIT_EXCEEDED;
import static dev.distill.engine.layer.LayerException.Kind.MALFORMED;

import java.util.Arrays;

/**
 * Where a GNU sparse file's data lies: segments (offset, length) in increasing order that do not overlap, inside
 * its real size; everything else is a hole that reads as zeros. The segments' lengths add up to the data the
 * archive holds for the file.
 */
final class SparseMap {

    private final long realSize;
    private long[] offsets = new long[8];
    private long[] lengths = new long[8];
    private int size;
    private long dataBytes;

    SparseMap(long realSize) {
        this.realSize = realSize;
    }

    void add(long offset, long length, String entry) throws LayerProblem {
        if (size >= TarReader.MAX_SPARSE_ENTRIES) {
            throw new LayerProblem(LIMIT_EXCEEDED, entry, "a sparse map of more than " + TarReader.MAX_SPARSE_ENTRIES + " entries (the limit)");
        }
        long end = size == 0 ? 0 : offsets[size - 1] + lengths[size - 1];
        if (offset < 0 || length < 0 || offset < end || length > realSize || offset > realSize - length) {
            throw new LayerProblem(MALFORMED, entry, "sparse map entry " + size + " (offset " + offset + ", length " + length
                    + ") is out of order, overlaps the one before or lies past the real size " + realSize);
        }
        if (size == offsets.length) {
            offsets = Arrays.copyOf(offsets, size * 2);
            lengths = Arrays.copyOf(lengths, size * 2);
        }
        offsets[size] = offset;
        lengths[size] = length;
        size++;
        dataBytes += length;
    }

    /** The archive must hold exactly the mapped data, no more and no less. */
    void check(long archiveDataBytes, String entry) throws LayerProblem {
        if (archiveDataBytes != dataBytes) {
            throw new LayerProblem(MALFORMED, entry, "the sparse map names " + dataBytes + " bytes of data, the archive holds "
                    + archiveDataBytes);
        }
    }

    long realSize() {
        return realSize;
    }

    int size() {
        return size;
    }

    long offset(int i) {
        return offsets[i];
    }

    long length(int i) {
        return lengths[i];
    }
}
