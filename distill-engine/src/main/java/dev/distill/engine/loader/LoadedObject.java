package dev.distill.engine.loader;

import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.fs.Paths;

/**
 * An object the loader has mapped: the program, its interpreter or a library.
 *
 * @param path the path it was found under (its {@code $ORIGIN} is this path's directory)
 * @param realPath the file holding the data, after links
 * @param elf its headers
 * @param loadedBy the object whose DT_NEEDED loaded it first (glibc's {@code l_loader}, musl's
 *     {@code needed_by}); null for the program and the interpreter
 */
public record LoadedObject(String path, String realPath, ElfFile elf, LoadedObject loadedBy) {

    /** The directory {@code $ORIGIN} expands to. */
    public String origin() {
        return Paths.parent(Paths.normalize(path));
    }
}
