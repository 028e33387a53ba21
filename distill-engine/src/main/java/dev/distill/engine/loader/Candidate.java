package dev.distill.engine.loader;

import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.ElfFormatException;
import dev.distill.engine.elf.ElfObjects;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.PathWalk;
import java.io.IOException;
import java.util.List;

/** One path a loader tries: missing, present but unreadable as ELF, or an ELF file. */
record Candidate(String path, FileEntry file, List<FileEntry> links, byte[] header, ElfFile elf, String problem) {

    static Candidate probe(ElfObjects objects, String path) {
        ImageFileSystem fs = objects.fs();
        PathWalk.Trace trace;
        try {
            trace = PathWalk.trace(fs, path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return new Candidate(path, null, List.of(), null, null, null);
        }
        if (trace.target().isEmpty() || !trace.target().get().isRegular()) {
            // Missing, dangling or a directory: the loader moves on (ENOENT / not a file).
            return new Candidate(path, null, trace.links(), null, null, null);
        }
        FileEntry f = trace.target().get();
        byte[] header;
        try {
            header = objects.header(f);
        } catch (IOException e) {
            return new Candidate(path, f, trace.links(), new byte[0], null, path + ": cannot be read: " + e.getMessage());
        }
        try {
            return new Candidate(path, f, trace.links(), header, objects.elf(f), null);
        } catch (ElfFormatException e) {
            return new Candidate(path, f, trace.links(), header, null, path + ": " + e.getMessage());
        } catch (IOException e) {
            return new Candidate(path, f, trace.links(), header, null, path + ": cannot be read: " + e.getMessage());
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

    /** What glibc's {@code open_verify} makes of the header, in its order of checks. */
    Verdict glibcVerdict(ElfFile program) {
        boolean is64 = program.elfClass() == dev.distill.engine.elf.ElfClass.ELF64;
        boolean little = program.data() == dev.distill.engine.elf.ElfData.LITTLE_ENDIAN;
        if (header.length < (is64 ? 64 : 52)) {
            return Verdict.fatal(path + ": file too short");
        }
        if (!ElfFile.isElf(header)) {
            return Verdict.fatal(path + ": invalid ELF header");
        }
        if (header[4] != (is64 ? 2 : 1)) {
            return Verdict.skip(path + " is of another ELF class");
        }
        if (header[5] != (little ? 1 : 2)) {
            return Verdict.fatal(path + ": ELF file data encoding not " + (little ? "little" : "big") + "-endian");
        }
        if (header[6] != 1) {
            return Verdict.fatal(path + ": ELF file version ident does not match current one");
        }
        if (u(header, 20, 4, little) != 1) {
            return Verdict.fatal(path + ": ELF file version does not match current one");
        }
        if (u(header, 18, 2, little) != program.machineCode()) {
            return Verdict.skip(path + " is for another machine (e_machine " + u(header, 18, 2, little) + ")");
        }
        long type = u(header, 16, 2, little);
        if (type != 2 && type != 3) {
            return Verdict.fatal(path + ": only ET_DYN and ET_EXEC can be loaded");
        }
        if (u(header, is64 ? 54 : 42, 2, little) != (is64 ? 56 : 32)) {
            return Verdict.fatal(path + ": ELF file's phentsize not the expected size");
        }
        if (elf == null) {
            return Verdict.fatal(problem);
        }
        return Verdict.OK;
    }

    private static long u(byte[] b, int off, int n, boolean little) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = v << 8 | (b[little ? off + n - 1 - i : off + i] & 0xff);
        }
        return v;
    }

    /** Load it, pass over it, or stop with an error. */
    record Verdict(boolean ok, boolean skip, String reason) {
        static final Verdict OK = new Verdict(true, false, null);

        static Verdict skip(String reason) {
            return new Verdict(false, true, reason);
        }

        static Verdict fatal(String reason) {
            return new Verdict(false, false, reason);
        }
    }

    LibraryLookup found(String name, LoaderSearchPath.Origin origin, List<String> skipped) {
        return new LibraryLookup(name, path, file.path(), elf, links, origin, null, skipped);
    }
}
