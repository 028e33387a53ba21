package dev.distill.engine.structure;

import dev.distill.engine.fs.FileType;

/**
 * A file's type and permission bits as a string. Two spellings are read: {@code ls}'s ten characters, where
 * setuid, setgid and sticky show in the execute positions ({@code -rwsr-xr-x}, {@code drwxrwxrwt}, {@code S}/
 * {@code T} without the execute bit), and Go's {@code FileMode} string that the reference runner prints, with
 * type and special bits as leading letters ({@code urwxr-xr-x}, {@code dtrwxrwxrwx}, {@code Lrwxrwxrwx}).
 * Both mean the same (type, 12 bits), which is what is compared. {@link #format} writes {@code ls}'s.
 *
 * @param type the file type; a hard link is described by the file it links to, so never {@code HARDLINK}
 * @param mode the 12 permission bits
 */
record PermissionString(FileType type, int mode) {

    PermissionString {
        if (type == FileType.HARDLINK) {
            throw new IllegalArgumentException("a hard link has the permissions of its file");
        }
        mode &= 07777;
    }

    /** @throws IllegalArgumentException naming the string when it is neither spelling */
    static PermissionString parse(String s) {
        if (s == null || s.length() < 10) {
            throw new IllegalArgumentException("permissions must look like -rwxr-xr-x, got '" + s + "'");
        }
        String bits = s.substring(s.length() - 9);
        String prefix = s.substring(0, s.length() - 9);
        if (prefix.length() == 1 && "-dlcbp".indexOf(prefix.charAt(0)) >= 0 && bits.matches("[r-][w-][xsS-][r-][w-][xsS-][r-][w-][xtT-]")) {
            return new PermissionString(lsType(prefix.charAt(0)), lsBits(bits));
        }
        if (bits.matches("([r-][w-][x-]){3}") && prefix.matches("-|[dLDpugct]+")) {
            return goStyle(prefix, bits, s);
        }
        throw new IllegalArgumentException("permissions must look like -rwxr-xr-x (or Go's urwxr-xr-x), got '" + s + "'");
    }

    /** {@code ls -l}'s spelling. */
    static String format(FileType type, int mode) {
        char t = switch (type) {
            case DIRECTORY -> 'd';
            case SYMLINK -> 'l';
            case CHAR_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
            case FIFO -> 'p';
            default -> '-';
        };
        StringBuilder b = new StringBuilder().append(t);
        b.append(bit(mode, 0400, 'r')).append(bit(mode, 0200, 'w')).append(exec(mode, 0100, 04000, 's'));
        b.append(bit(mode, 0040, 'r')).append(bit(mode, 0020, 'w')).append(exec(mode, 0010, 02000, 's'));
        b.append(bit(mode, 0004, 'r')).append(bit(mode, 0002, 'w')).append(exec(mode, 0001, 01000, 't'));
        return b.toString();
    }

    @Override
    public String toString() {
        return format(type, mode);
    }

    private static char bit(int mode, int mask, char c) {
        return (mode & mask) != 0 ? c : '-';
    }

    private static char exec(int mode, int x, int special, char c) {
        boolean hasX = (mode & x) != 0;
        if ((mode & special) != 0) {
            return hasX ? c : Character.toUpperCase(c);
        }
        return hasX ? 'x' : '-';
    }

    private static FileType lsType(char c) {
        return switch (c) {
            case 'd' -> FileType.DIRECTORY;
            case 'l' -> FileType.SYMLINK;
            case 'c' -> FileType.CHAR_DEVICE;
            case 'b' -> FileType.BLOCK_DEVICE;
            case 'p' -> FileType.FIFO;
            default -> FileType.REGULAR;
        };
    }

    private static int lsBits(String s) {
        int mode = 0;
        int[] masks = {0400, 0200, 0100, 0040, 0020, 0010, 0004, 0002, 0001};
        int[] specials = {0, 0, 04000, 0, 0, 02000, 0, 0, 01000};
        for (int i = 0; i < 9; i++) {
            char c = s.charAt(i);
            if (c == '-') {
                continue;
            }
            if (c == 's' || c == 't') {
                mode |= masks[i] | specials[i];
            } else if (c == 'S' || c == 'T') {
                mode |= specials[i];
            } else {
                mode |= masks[i];
            }
        }
        return mode;
    }

    private static PermissionString goStyle(String prefix, String bits, String whole) {
        int mode = lsBits(bits);
        FileType type = FileType.REGULAR;
        boolean device = false;
        for (char c : prefix.toCharArray()) {
            switch (c) {
                case 'd' -> type = FileType.DIRECTORY;
                case 'L' -> type = FileType.SYMLINK;
                case 'p' -> type = FileType.FIFO;
                case 'D' -> device = true;
                case 'c' -> type = FileType.CHAR_DEVICE;
                case 'u' -> mode |= 04000;
                case 'g' -> mode |= 02000;
                case 't' -> mode |= 01000;
                default -> { }
            }
        }
        if (device && type != FileType.CHAR_DEVICE) {
            type = FileType.BLOCK_DEVICE;
        }
        if (!device && type == FileType.CHAR_DEVICE) {
            throw new IllegalArgumentException("permissions '" + whole + "': Go writes a character device as Dc");
        }
        return new PermissionString(type, mode);
    }
}
