package dev.distill.engine.detect;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Glob;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.identity.Passwd;
import dev.distill.engine.image.ImageConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What every detector reads: the image's merged filesystem and its configuration, with the helpers they
 * share (safe path lookups, text reads, PATH search, globs) and a memo of detector results so that a
 * detector can build on another's result (accounts on nginx, nginx on the entrypoint) without running it
 * twice.
 */
public final class DetectionContext {

    /** Docker's default PATH for Linux containers, used when the image sets none. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Configs and scripts larger than this are read only this far. */
    public static final int TEXT_LIMIT = 1 << 20;

    private final ImageFileSystem fs;
    private final ImageConfig config;
    private final List<ProgramKind> kinds;
    private final Map<String, Detection<?>> results = new HashMap<>();
    private Passwd accounts;

    /** A context that knows no program kind: programs are planned from their loader closure alone. */
    public DetectionContext(ImageFileSystem fs, ImageConfig config) {
        this(fs, config, List.of());
    }

    /** @param kinds the program kinds, most specific first (the catalog's list) */
    public DetectionContext(ImageFileSystem fs, ImageConfig config, List<ProgramKind> kinds) {
        this.fs = Objects.requireNonNull(fs, "fs");
        this.config = config == null ? ImageConfig.EMPTY : config;
        this.kinds = List.copyOf(kinds);
    }

    /** The program kinds this context knows, most specific first. */
    public List<ProgramKind> kinds() {
        return kinds;
    }

    /** The image's {@code /etc/passwd} and {@code /etc/group}, read once; missing or unreadable files count as empty. */
    public synchronized Passwd accounts() {
        if (accounts == null) {
            try {
                accounts = Identity.accounts(fs);
            } catch (IOException | RuntimeException e) {
                accounts = Passwd.parse("", "", new ArrayList<>());
            }
        }
        return accounts;
    }

    /**
     * Whether a user spec ({@code ""}, a name, a uid, {@code user:group}) is root in this image; false for a name the
     * image does not define (it cannot be started at all, which the accounts detector reports).
     */
    public boolean isRoot(String user) {
        try {
            return Identity.resolve(user, accounts()).isRoot();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public ImageFileSystem fs() {
        return fs;
    }

    public ImageConfig config() {
        return config;
    }

    /**
     * Runs a detector once per context; later calls with a detector of the same name return the first
     * result.
     */
    @SuppressWarnings("unchecked")
    public synchronized <R> Detection<R> run(Detector<R> detector) {
        Detection<?> done = results.get(detector.name());
        if (done == null) {
            done = detector.detect(this);
            results.put(detector.name(), done);
        }
        return (Detection<R>) done;
    }

    /** The entry at exactly this path (no final symlink followed); empty on a symlink loop. */
    public Optional<FileEntry> entry(String path) {
        try {
            return fs.entry(path);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The entry holding this path's data, links followed; empty when missing, dangling or looping. */
    public Optional<FileEntry> resolve(String path) {
        try {
            return fs.resolve(path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return Optional.empty();
        }
    }

    public boolean exists(String path) {
        return resolve(path).isPresent();
    }

    public boolean isDirectory(String path) {
        return resolve(path).map(FileEntry::isDirectory).orElse(false);
    }

    /**
     * The text of a regular file (links followed), or empty when it does not exist; a read failure is
     * recorded in {@code findings} as an error and also gives empty.
     */
    public Optional<TextFile> readText(String path, Findings findings) {
        Optional<FileEntry> entry = resolve(path);
        if (entry.isEmpty() || !entry.get().isRegular()) {
            return Optional.empty();
        }
        try {
            byte[] bytes = fs.read(entry.get(), TEXT_LIMIT);
            return Optional.of(new TextFile(Paths.normalize(path), entry.get(), new String(bytes, StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            findings.error(Paths.normalize(path), e);
            return Optional.empty();
        }
    }

    /**
     * The text of many regular files at once (links followed), read in one pass over the image's layers instead of
     * one per file; missing, non-regular and unreadable files are simply absent from the answer.
     *
     * @param limit the most bytes read of each file
     */
    public Map<String, String> readTexts(Collection<String> paths, int limit) {
        Map<String, FileEntry> byData = new LinkedHashMap<>();
        Map<String, List<String>> asked = new HashMap<>();
        for (String p : paths) {
            Optional<FileEntry> e = resolve(p);
            if (e.isPresent() && e.get().isRegular()) {
                byData.putIfAbsent(e.get().path(), e.get());
                asked.computeIfAbsent(e.get().path(), k -> new ArrayList<>()).add(p);
            }
        }
        Map<String, String> out = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
        try {
            fs.readAll(byData.values(), (file, in) -> {
                String text = new String(in.readNBytes(limit), StandardCharsets.UTF_8);
                for (String p : asked.getOrDefault(file.path(), List.of())) {
                    out.put(p, text);
                }
            });
        } catch (IOException | RuntimeException e) {
            // What was read before the failure is kept; the rest is unknown to the caller, as for a missing file.
        }
        return out;
    }

    /** The first bytes of a regular file, empty when unreadable. */
    public byte[] head(FileEntry file, int limit) {
        try {
            return fs.read(file, limit);
        } catch (IOException | RuntimeException e) {
            return new byte[0];
        }
    }

    /** Whether a regular file starts with the ELF magic {@code 0x7f 'E' 'L' 'F'}. */
    public boolean isElf(FileEntry file) {
        if (!file.isRegular()) {
            return false;
        }
        byte[] h = head(file, 4);
        return h.length == 4 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F';
    }

    /** An environment variable as the image configuration sets it, or null. */
    public String env(String name) {
        return config.envValue(name);
    }

    /** The image's executable search path, from its {@code PATH} or Docker's default. */
    public List<String> searchPath() {
        String path = env("PATH");
        if (path == null) {
            path = DEFAULT_PATH;
        }
        List<String> dirs = new ArrayList<>();
        for (String d : path.split(":", -1)) {
            dirs.add(d.isEmpty() ? workingDir() : d);
        }
        return dirs;
    }

    /** The image's working directory, {@code /} when unset. */
    public String workingDir() {
        return config.workingDir().isEmpty() ? "/" : Paths.normalize(config.workingDir());
    }

    /**
     * Finds a program like {@code execvp} would inside the image: a name with a slash is taken as a path
     * (relative to the working directory), else each PATH directory is tried for an executable regular file.
     *
     * @return the absolute path as found (before links are followed)
     */
    public Optional<String> which(String program) {
        if (program == null || program.isEmpty()) {
            return Optional.empty();
        }
        if (program.contains("/")) {
            String p = program.startsWith("/") ? Paths.normalize(program) : Paths.join(workingDir(), program);
            return resolve(p).filter(FileEntry::isRegular).map(e -> p);
        }
        for (String dir : searchPath()) {
            String p = Paths.join(dir, program);
            Optional<FileEntry> e = resolve(p);
            if (e.isPresent() && e.get().isRegular() && e.get().isExecutable()) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Expands a glob like glob(3): {@code *}, {@code ?} and {@code [...]} in any component, no match of a
     * leading dot by a wildcard, results sorted. A pattern without wildcards gives itself when it exists.
     */
    public List<String> glob(String pattern) {
        return Glob.expand(fs, pattern);
    }

    /** The children of a directory, empty when it is missing, not a directory or loops. */
    public List<FileEntry> list(String dir) {
        try {
            return fs.list(dir);
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    public static boolean hasWildcard(String s) {
        return Glob.hasWildcard(s);
    }

    static Pattern globRegex(String glob) {
        return Glob.componentRegex(glob);
    }
}
