package dev.distill.engine.loader;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Glob;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The directories {@code /etc/ld.so.conf} lists, following {@code include} lines (globs, expanded in sorted
 * order as glob(3) does, relative to the including file's directory) like ldconfig. Only ldconfig reads this
 * file: the loader reads the cache ldconfig builds from it.
 */
final class LdSoConf {

    static final int MAX_FILES = 256;
    static final int MAX_BYTES = 1 << 20;

    record Dir(String directory, String file) {
    }

    private LdSoConf() {
    }

    static List<Dir> read(ImageFileSystem fs, String path) {
        List<Dir> out = new ArrayList<>();
        Set<String> seenFiles = new LinkedHashSet<>();
        readFile(fs, Paths.normalize(path), out, seenFiles);
        Set<String> seenDirs = new LinkedHashSet<>();
        return out.stream().filter(d -> seenDirs.add(d.directory())).toList();
    }

    private static void readFile(ImageFileSystem fs, String path, List<Dir> out, Set<String> seen) {
        if (seen.size() >= MAX_FILES || !seen.add(path)) {
            return;
        }
        Optional<FileEntry> f;
        try {
            f = fs.resolve(path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return;
        }
        if (f.isEmpty() || !f.get().isRegular()) {
            return;
        }
        String text;
        try {
            text = new String(fs.read(f.get(), MAX_BYTES), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return;
        }
        for (String raw : text.split("\n")) {
            String line = raw;
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("include") && line.length() > 7 && Character.isWhitespace(line.charAt(7))) {
                for (String pattern : line.substring(8).trim().split("[ \t]+")) {
                    String abs = pattern.startsWith("/") ? pattern : Paths.join(Paths.parent(path), pattern);
                    for (String match : glob(fs, Paths.normalize(abs))) {
                        readFile(fs, match, out, seen);
                    }
                }
                continue;
            }
            if (line.startsWith("hwcap")) {
                continue; // "hwcap" lines are obsolete and ignored by current ldconfig
            }
            // ldconfig accepts "dir=type" (old libc5 syntax); separators are blanks, ':' and ','.
            for (String d : line.split("[ \t:,]+")) {
                int eq = d.indexOf('=');
                String dir = eq >= 0 ? d.substring(0, eq) : d;
                if (dir.startsWith("/")) {
                    out.add(new Dir(Paths.normalize(dir), path));
                }
            }
        }
    }

    /** Expands '*', '?' and '[...]' in any component, in sorted order. */
    static List<String> glob(ImageFileSystem fs, String pattern) {
        return Glob.expand(fs, pattern);
    }
}
