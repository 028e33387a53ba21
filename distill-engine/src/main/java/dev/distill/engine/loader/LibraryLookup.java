package dev.distill.engine.loader;

import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.fs.FileEntry;
import java.util.List;

/**
 * What a loader made of one name.
 *
 * @param name the DT_NEEDED name
 * @param path the path it was found under (as the loader reports it), null when not found
 * @param realPath the file after links, null when not found
 * @param elf the headers of the file found, null when not found
 * @param links the symlink and hard-link entries traversed from {@code path} to {@code realPath}
 * @param origin where it was found, null when not found
 * @param reason why it was not found (or was rejected), null when found
 * @param skipped candidates passed over (wrong class or machine), with the reason
 */
public record LibraryLookup(
        String name,
        String path,
        String realPath,
        ElfFile elf,
        List<FileEntry> links,
        LoaderSearchPath.Origin origin,
        String reason,
        List<String> skipped) {

    public LibraryLookup {
        links = links == null ? List.of() : List.copyOf(links);
        skipped = skipped == null ? List.of() : List.copyOf(skipped);
    }

    public boolean found() {
        return path != null;
    }

    static LibraryLookup notFound(String name, String reason, List<String> skipped) {
        return new LibraryLookup(name, null, null, null, List.of(), null, reason, skipped);
    }
}
