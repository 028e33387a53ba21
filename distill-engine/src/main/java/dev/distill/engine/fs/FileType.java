package dev.distill.engine.fs;

/** What a path in an image is, as the layer tar recorded it. */
public enum FileType {
    REGULAR, DIRECTORY, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO
}
