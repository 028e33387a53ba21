package dev.distill.engine.assembly;

/**
 * Something a result image holds differently from its source, or leaves out, and why: a dropped setuid bit, a
 * device file left out, a source symlink that replaces a base directory.
 */
public record FileChange(String path, String what) {

    public FileChange {
        if (path == null || what == null || what.isBlank()) {
            throw new IllegalArgumentException("a file change needs a path and what changed, got " + path + ": " + what);
        }
    }
}
