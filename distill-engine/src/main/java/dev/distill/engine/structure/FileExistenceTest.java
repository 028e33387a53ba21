package dev.distill.engine.structure;

/**
 * Checks that a path exists (or not), and its type, permissions and owner, as {@code lstat} sees it: links in the
 * parent directories are followed, a final symlink is not.
 *
 * @param permissions the expected type and permission string, {@code ls} style ({@code -rwsr-xr-x},
 *     {@code drwxrwxrwt}) or Go style ({@code urwxr-xr-x}, {@code dtrwxrwxrwx}); null when not checked
 * @param uid the expected owner, null when not checked
 * @param gid the expected group, null when not checked
 * @param isExecutableBy {@code owner}, {@code group}, {@code other} or {@code any}; null when not checked
 */
public record FileExistenceTest(
        String name,
        String path,
        boolean shouldExist,
        String permissions,
        Integer uid,
        Integer gid,
        String isExecutableBy) {

    public FileExistenceTest {
        name = Suites.name(name);
        path = Suites.path(path, name);
        if (permissions != null) {
            PermissionString.parse(permissions);
        }
        if (isExecutableBy != null && ExecutableBy.of(isExecutableBy) == null) {
            throw new IllegalArgumentException("isExecutableBy must be owner, group, other or any, got '"
                    + isExecutableBy + "'");
        }
    }

    /** A test that the path exists, nothing more. */
    public static FileExistenceTest exists(String name, String path) {
        return new FileExistenceTest(name, path, true, null, null, null, null);
    }

    /** A test that the path does not exist. */
    public static FileExistenceTest absent(String name, String path) {
        return new FileExistenceTest(name, path, false, null, null, null, null);
    }

    /** A file that must be there with this type, mode (the twelve permission bits) and owner. */
    public static FileExistenceTest present(String name, String path, dev.distill.engine.fs.FileType type, int mode,
            int uid, int gid) {
        return new FileExistenceTest(name, path, true, PermissionString.format(type, type == dev.distill.engine.fs.FileType.SYMLINK
                ? 0777 : mode), uid, gid, null);
    }

    /** Who {@code isExecutableBy} names, with the execute bit it asks for. */
    enum ExecutableBy {
        OWNER(0100), GROUP(0010), OTHER(0001), ANY(0111);

        final int bits;

        ExecutableBy(int bits) {
            this.bits = bits;
        }

        static ExecutableBy of(String s) {
            for (ExecutableBy e : values()) {
                if (e.name().toLowerCase(java.util.Locale.ROOT).equals(s)) {
                    return e;
                }
            }
            return null;
        }
    }
}
