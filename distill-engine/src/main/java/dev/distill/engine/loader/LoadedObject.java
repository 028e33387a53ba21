package dev.distill.engine.loader;

import dev.distill.engine.elf.ElfFile;

/**
 * An object the loader has mapped: the program, its interpreter or a library.
 *
 * @param path the path it was found under, as the loader built it (its {@code $ORIGIN} is this path's
 *     directory); for the program its real path, as the kernel gives it ({@code /proc/self/exe})
 * @param realPath the file holding the data, after links
 * @param elf its headers
 * @param loadedBy the object whose DT_NEEDED loaded it first (glibc's {@code l_loader}, musl's
 *     {@code needed_by}); null for the program and the interpreter
 */
public record LoadedObject(String path, String realPath, ElfFile elf, LoadedObject loadedBy) {

    /**
     * The directory {@code $ORIGIN} expands to: the path up to its last '/', as written (glibc and musl do not
     * normalise it; {@code ..} is resolved physically when the path is opened).
     */
    public String origin() {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }
}
