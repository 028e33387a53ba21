package dev.distill.engine.loader;

import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.ElfFormatException;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.PathWalk;
import java.io.IOException;
import java.util.List;

/** One path a loader tries: missing, present but unreadable as ELF, or an ELF file. */
record Candidate(String path, FileEntry file, List<FileEntry> links, ElfFile elf, String problem) {

    static Candidate probe(ImageFileSystem fs, String path) {
        PathWalk.Trace trace;
        try {
            trace = PathWalk.trace(fs, path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return new Candidate(path, null, List.of(), null, null);
        }
        if (trace.target().isEmpty() || !trace.target().get().isRegular()) {
            // Missing, dangling or a directory: the loader moves on (ENOENT / not a file).
            return new Candidate(path, null, trace.links(), null, null);
        }
        FileEntry f = trace.target().get();
        try {
            return new Candidate(path, f, trace.links(), ElfFile.read(fs, f), null);
        } catch (ElfFormatException e) {
            return new Candidate(path, f, trace.links(), null, path + ": " + e.getMessage());
        } catch (IOException e) {
            return new Candidate(path, f, trace.links(), null, path + ": cannot be read: " + e.getMessage());
        }
    }

    boolean exists() {
        return file != null;
    }

    boolean isElf() {
        return elf != null;
    }

    /** Whether the loader of {@code program} can map this object: same class, byte order and machine. */
    boolean compatibleWith(ElfFile program) {
        return elf != null && elf.elfClass() == program.elfClass() && elf.data() == program.data()
                && elf.machineCode() == program.machineCode();
    }

    String mismatch(ElfFile program) {
        return path + " is " + elf.elfClass() + " " + elf.machine() + ", not " + program.elfClass() + " "
                + program.machine();
    }

    LibraryLookup found(String name, LoaderSearchPath.Origin origin, List<String> skipped) {
        return new LibraryLookup(name, path, file.path(), elf, links, origin, null, skipped);
    }
}
