package dev.distill.engine.debian;

import java.io.IOException;
import java.nio.file.Path;

/** A {@code .deb} could not be read; the message names the package file, the member or entry, and the problem. */
public final class DebianPackageException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String entry;

    /**
     * @param where the ar member or tar entry at fault ({@code "data.tar entry './usr/x'"}), or null
     */
    DebianPackageException(Path file, String where, String problem, Throwable cause) {
        super("Debian package " + file.getFileName() + (where != null ? ", " + printable(where) : "") + ": " + problem, cause);
        this.file = file;
        this.entry = where;
    }

    DebianPackageException(Path file, String where, String problem) {
        this(file, where, problem, null);
    }

    /** The {@code .deb} file at fault. */
    public Path file() {
        return file;
    }

    /** The member or entry at fault, as the message names it, or null. */
    public String entry() {
        return entry;
    }

    // Names come from the package: keep control characters out of logs.
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
