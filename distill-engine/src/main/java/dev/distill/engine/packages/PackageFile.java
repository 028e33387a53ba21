package dev.distill.engine.packages;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One file (not a directory) a package installed that the image still has.
 *
 * @param path where it is in the image, every directory on the way resolved (a usr-merged image has the
 *     {@code /lib/x86_64-linux-gnu/libc.so.6} of a package's list at {@code /usr/lib/x86_64-linux-gnu/libc.so.6})
 * @param listed the path as the package database writes it, when that differs from {@code path}; else null
 * @param size the file's size in the image (0 for a symlink)
 * @param checksum what the database records of its content: dpkg's md5 in hex, apk's {@code Q1...} (base64
 *     SHA-1); null when it records none (symlinks, dpkg conffiles)
 * @param attributes apk's {@code a:} line (owner, group, mode) when the database has one; null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PackageFile(String path, String listed, long size, String checksum, String attributes) {

    public PackageFile {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("a package file needs an absolute path, got '" + path + "'");
        }
        if (listed != null && listed.equals(path)) {
            listed = null;
        }
    }

    /** The path as the package database knows it. */
    public String databasePath() {
        return listed != null ? listed : path;
    }
}
