package dev.distill.engine.layer;

import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.Xattrs;

/**
 * One entry of a tar stream (an image layer's, or any tar read with {@link TarStream}) with its extended headers (PAX, GNU long names) already applied.
 *
 * @param ordinal position among the entries of this archive, counting from 0; extended headers do not count,
 *     so the same archive always gives the same ordinals and a second pass can find an entry again
 * @param name the path as written, not normalised; when {@code unreadable} is set, its bytes with every byte
 *     that is not printable ASCII escaped as {@code \xNN}
 * @param mode permission bits including setuid, setgid and sticky
 * @param size bytes of the file's content: 0 for links, directories and devices; for a sparse file its real
 *     size, holes included (the body reads the holes as zeros)
 * @param linkName the link target as written, for symlinks and hard links; empty otherwise
 * @param xattrs the extended attributes its PAX header recorded
 * @param unreadable null, or why the entry cannot be represented (its name or link target is not UTF-8): the
 *     caller leaves it out and lists it
 */
public record TarEntry(int ordinal, String name, FileType type, int mode, int uid, int gid, long size, String linkName,
        Xattrs xattrs, String unreadable) {

    public TarEntry {
        if (xattrs == null) {
            xattrs = Xattrs.NONE;
        }
    }

    /** A readable entry without extended attributes. */
    public TarEntry(int ordinal, String name, FileType type, int mode, int uid, int gid, long size, String linkName) {
        this(ordinal, name, type, mode, uid, gid, size, linkName, Xattrs.NONE, null);
    }
}
