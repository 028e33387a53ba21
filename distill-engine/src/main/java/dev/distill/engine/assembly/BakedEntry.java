package dev.distill.engine.assembly;

/**
 * A file of a result image that a baked step made, changed or deleted, and which step it was.
 *
 * @param change {@code made}, {@code changed} or {@code deleted}
 * @param type the file's type in the result ({@code REGULAR}, {@code DIRECTORY}, {@code SYMLINK}), null when deleted
 * @param step where the step is and what it runs ({@code /usr/local/bin/entrypoint.sh:4 php artisan config:cache})
 */
public record BakedEntry(String path, String change, String type, int mode, int uid, int gid, String step) {
}
