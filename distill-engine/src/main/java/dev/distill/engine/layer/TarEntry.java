package dev.distill.engine.layer;

import dev.distill.engine.fs.FileType;

/**
 * One entry of a tar stream (an image layer's, or any tar read with {@link TarStream}) with its extended headers (PAX, GNU long names) already applied.
 *
 * @param ordinal position among the entries of this archive, counting from 0; extended headers do not count,
 *     so the same archive always gives the same ordinals and a second pass can find an entry again
 * @param name the path as written, not normalised
 * @param mode permission bits including setuid, setgid and sticky
 * @param size bytes of data that follow the header; 0 for links, directories and devices
 * @param linkName the link target as written, for symlinks and hard links; empty otherwise
 */
public record TarEntry(int ordinal, String name, FileType type, int mode, int uid, int gid, long size, String linkName) {
}
