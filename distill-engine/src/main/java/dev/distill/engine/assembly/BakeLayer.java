package dev.distill.engine.assembly;

import dev.distill.engine.bake.Bake;
import dev.distill.engine.bake.BakedFile;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.ProgramPlan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The layer of baked files a program's image gets on top of its program layer: what the entrypoint's build-time steps
 * made or changed where that program's image has the directory (a carried directory or one above a carried file), and
 * a whiteout for what they deleted of the files it carries. Files in path order, times 0, setuid and setgid dropped,
 * so the same bake gives the same layer.
 */
final class BakeLayer {

    /**
     * @param files the baked files the layer holds (whiteouts for the deleted ones), in path order
     */
    record Result(WrittenLayer layer, List<BakedEntry> entries, List<FileChange> changes, List<BakedFile> files) {

        /**
         * What the image holds after the bake: the files the steps deleted are gone from the files of no package,
         * and what they made (or changed where no package owns the path) is among them, since no package record
         * accounts for its bytes.
         *
         * @param carried every path the image carries from the source (a carried path the steps changed stays with its
         *     package when it has one)
         */
        ResultContents contents(ResultContents before, Set<String> carried) {
            Set<String> unpackaged = new java.util.TreeSet<>(before.unpackaged());
            for (BakedFile f : files) {
                if (f.deleted()) {
                    unpackaged.remove(f.path());
                } else if (f.type() != FileType.DIRECTORY && !carried.contains(f.path())) {
                    unpackaged.add(f.path());
                }
            }
            return new ResultContents(before.packageDatabase(), before.packages(), List.copyOf(unpackaged), before.notes(),
                    before.sbom());
        }
    }

    private BakeLayer() {
    }

    /** The layer for {@code plan}, or empty when none of the baked files lies where its image has a directory. */
    static Optional<Result> write(Bake bake, ProgramPlan plan, ImageFileSystem source, Path target) throws IOException {
        Set<String> carried = new HashSet<>();
        Set<String> directories = new HashSet<>();
        for (CarriedFile f : plan.files()) {
            carried.add(f.path());
            if (f.type() == FileType.DIRECTORY) {
                directories.add(f.path());
            }
            for (String dir = Paths.parent(f.path()); !dir.equals("/"); dir = Paths.parent(dir)) {
                directories.add(dir);
            }
        }
        List<BakedFile> chosen = new ArrayList<>();
        for (BakedFile f : bake.files()) {  // sorted by path: a directory comes before what it holds
            String parent = Paths.parent(f.path());
            if (f.deleted()) {
                if (carried.contains(f.path())) {
                    chosen.add(f);
                }
            } else if (carried.contains(f.path()) || directories.contains(parent)) {
                chosen.add(f);
                if (f.type() == FileType.DIRECTORY) {
                    directories.add(f.path());
                }
            }
        }
        if (chosen.isEmpty()) {
            return Optional.empty();
        }
        List<BakedEntry> entries = new ArrayList<>();
        List<FileChange> changes = new ArrayList<>();
        try (LayerWriter w = new LayerWriter(target)) {
            for (BakedFile f : chosen) {
                boolean inSource = source.entry(f.path()).isPresent();
                if (f.deleted()) {
                    w.file(Paths.join(Paths.parent(f.path()), ".wh." + Paths.name(f.path())), 0, 0, 0, new byte[0]);
                    entries.add(new BakedEntry(f.path(), "deleted", null, 0, 0, 0, f.madeBy()));
                    continue;
                }
                int mode = f.mode() & 07777;
                if (f.type() != FileType.DIRECTORY && (mode & 06000) != 0) {
                    changes.add(new FileChange(f.path(), "setuid/setgid bits of a baked file dropped (mode "
                            + Integer.toOctalString(mode) + " -> " + Integer.toOctalString(mode & 01777) + ")"));
                    mode &= 01777;
                }
                switch (f.type()) {
                    case DIRECTORY -> w.directory(f.path(), mode, f.uid(), f.gid());
                    case SYMLINK -> w.symlink(f.path(), f.linkTarget(), f.uid(), f.gid());
                    case REGULAR -> {
                        try (InputStream in = Files.newInputStream(f.content())) {
                            w.file(f.path(), mode, f.uid(), f.gid(), f.size(), in);
                        }
                    }
                    default -> throw new IllegalStateException("a bake holds no " + f.type() + " (" + f.path() + ")");
                }
                entries.add(new BakedEntry(f.path(), inSource ? "changed" : "made", f.type().name(), mode, f.uid(), f.gid(),
                        f.madeBy()));
            }
            return Optional.of(new Result(w.finish(), entries, changes, List.copyOf(chosen)));
        }
    }
}
