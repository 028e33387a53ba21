package dev.distill.engine.fs;

/**
 * One path of the merged filesystem, as the topmost layer that has it says.
 *
 * @param path absolute, normalised ({@code /usr/bin/php}), never containing {@code .} or {@code ..}
 * @param mode permission bits including setuid, setgid and sticky ({@code 04755}), without the type bits
 * @param linkTarget for a symlink its target as written (may be relative); for a hard link the absolute
 *     path of the file it links to; null otherwise
 * @param layerDigest the digest of the layer blob this entry comes from
 * @param layerIndex position of that layer in the manifest, 0 for the bottom layer
 * @param xattrs extended attributes (ACLs, capabilities, SELinux labels, user attributes) as the layer recorded
 *     them; a hard link has its target's (it is the same inode)
 */
public record FileEntry(
        String path,
        FileType type,
        int mode,
        int uid,
        int gid,
        long size,
        String linkTarget,
        String layerDigest,
        int layerIndex,
        Xattrs xattrs) {

    /** An entry without extended attributes. */
    public FileEntry(String path, FileType type, int mode, int uid, int gid, long size, String linkTarget, String layerDigest,
            int layerIndex) {
        this(path, type, mode, uid, gid, size, linkTarget, layerDigest, layerIndex, Xattrs.NONE);
    }

    public FileEntry {
        if (xattrs == null) {
            xattrs = Xattrs.NONE;
        }
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("a file entry needs an absolute path, got '" + path + "'");
        }
        if (type == null) {
            throw new IllegalArgumentException("file entry " + path + " has no type");
        }
        if ((type == FileType.SYMLINK || type == FileType.HARDLINK) && (linkTarget == null || linkTarget.isEmpty())) {
            throw new IllegalArgumentException(type + " " + path + " has no link target");
        }
    }

    /** This entry with other extended attributes. */
    public FileEntry withXattrs(Xattrs newXattrs) {
        return new FileEntry(path, type, mode, uid, gid, size, linkTarget, layerDigest, layerIndex, newXattrs);
    }

    public boolean isRegular() {
        return type == FileType.REGULAR;
    }

    public boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    public boolean isSymlink() {
        return type == FileType.SYMLINK;
    }

    public boolean isSetuidOrSetgid() {
        return (mode & 06000) != 0;
    }

    public boolean isExecutable() {
        return (mode & 0111) != 0;
    }
}
