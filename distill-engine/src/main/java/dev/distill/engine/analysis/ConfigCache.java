package dev.distill.engine.analysis;

import dev.distill.engine.fs.ContentVisitor;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ForwardingFileSystem;
import dev.distill.engine.fs.ImageFileSystem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * An image filesystem that answers reads of configuration-like files from memory. Detectors read dozens of
 * small files and the first bytes of many more; on a layered image each read would stream a whole layer, so the
 * analysis keeps them from its one pass over the layers instead, within a byte budget. Anything not kept is read
 * from the image as usual.
 */
final class ConfigCache extends ForwardingFileSystem {

    /** Larger files are not configuration worth keeping. */
    static final int MAX_FILE_BYTES = 256 * 1024;

    private static final List<String> PLACES = List.of("/etc/", "/usr/local/etc/", "/usr/local/bin/",
            "/usr/local/sbin/", "/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/opt/");
    private static final List<String> SUFFIXES = List.of(".conf", ".ini", ".sh", ".cnf", ".types", ".path");
    /** Package databases: read whole by the surface detector, and larger than ordinary configuration. */
    private static final List<String> DATABASES = List.of("/var/lib/dpkg/status", "/lib/apk/db/installed",
            "/usr/lib/os-release");
    static final int MAX_DATABASE_BYTES = 16 << 20;
    /** Enough of every file for magic numbers and a shebang line, which detectors check on many files. */
    static final int HEAD_BYTES = 256;

    private final ImageFileSystem image;
    private final long budget;
    private final Predicate<String> alsoKeep;
    private final Map<String, byte[]> kept = new ConcurrentHashMap<>();
    private final Map<String, byte[]> heads = new ConcurrentHashMap<>();
    private long used;

    @Override
    protected ImageFileSystem delegate() {
        return image;
    }

    ConfigCache(ImageFileSystem image, long budgetBytes) {
        this(image, budgetBytes, path -> false);
    }

    /** @param alsoKeep files worth keeping besides configuration: what the program kinds read (source files they scan) */
    ConfigCache(ImageFileSystem image, long budgetBytes, Predicate<String> alsoKeep) {
        this.image = image;
        this.budget = budgetBytes;
        this.alsoKeep = alsoKeep;
    }

    /**
     * For the analysis pass: keeps the files that look like configuration or scripts, and the first bytes of
     * every other file, while the budget lasts; then hands the whole content on to {@code next}.
     */
    ContentVisitor keeper(ContentVisitor next) {
        return (file, in) -> {
            forget(file.path()); // a pass that reads every layer sees a replaced file before its replacement
            if ((worthKeeping(file) || file.isRegular() && file.size() <= MAX_FILE_BYTES && alsoKeep.test(file.path()))
                    && used + file.size() <= budget) {
                byte[] bytes = in.readNBytes(isDatabase(file) ? MAX_DATABASE_BYTES : MAX_FILE_BYTES);
                kept.put(file.path(), bytes);
                used += bytes.length;
                next.visit(file, new SequenceInputStream(new ByteArrayInputStream(bytes), in));
                return;
            }
            byte[] head = in.readNBytes(HEAD_BYTES);
            if (used + head.length <= budget) {
                heads.put(file.path(), head);
                used += head.length;
            }
            next.visit(file, new SequenceInputStream(new ByteArrayInputStream(head), in));
        };
    }

    /**
     * The most bytes {@link #keeper} reads of a file, whatever the budget left: what a pass must keep of it to give
     * the keeper the same bytes again.
     */
    static int bytesRead(FileEntry file, Predicate<String> alsoKeep) {
        if (worthKeeping(file) || file.isRegular() && file.size() <= MAX_FILE_BYTES && alsoKeep.test(file.path())) {
            return isDatabase(file) ? MAX_DATABASE_BYTES : MAX_FILE_BYTES;
        }
        return HEAD_BYTES;
    }

    static boolean worthKeeping(FileEntry file) {
        if (file.isRegular() && isDatabase(file)) {
            return file.size() <= MAX_DATABASE_BYTES;
        }
        if (!file.isRegular() || file.size() > MAX_FILE_BYTES) {
            return false;
        }
        String p = file.path();
        return p.indexOf('/', 1) < 0 || PLACES.stream().anyMatch(p::startsWith) || SUFFIXES.stream().anyMatch(p::endsWith);
    }

    private static boolean isDatabase(FileEntry file) {
        return DATABASES.contains(file.path()) || file.path().startsWith("/var/lib/dpkg/status.d/");
    }

    /** The kept text of files under {@code /etc}, by path. */
    Map<String, String> etcTexts() {
        Map<String, String> out = new java.util.TreeMap<>();
        kept.forEach((path, bytes) -> {
            if (path.startsWith("/etc/")) {
                out.put(path, new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
            }
        });
        return out;
    }

    /** Drops what the pass kept of a file that turned out not to be the image's (replaced or deleted above). */
    void forget(String path) {
        byte[] bytes = kept.remove(path);
        if (bytes != null) {
            used -= bytes.length;
        }
        byte[] head = heads.remove(path);
        if (head != null) {
            used -= head.length;
        }
    }

    long bytesKept() {
        return used;
    }

    int filesKept() {
        return kept.size();
    }

    @Override
    public InputStream open(FileEntry file) throws IOException {
        byte[] bytes = kept.get(file.path());
        return bytes != null ? new ByteArrayInputStream(bytes) : image.open(file);
    }

    @Override
    public byte[] read(FileEntry file, int limit) throws IOException {
        byte[] bytes = kept.get(file.path());
        if (bytes != null) {
            return bytes.length <= limit ? bytes.clone() : java.util.Arrays.copyOf(bytes, limit);
        }
        byte[] head = heads.get(file.path());
        if (head != null && (limit <= head.length || head.length == file.size())) {
            return java.util.Arrays.copyOf(head, Math.min(limit, head.length));
        }
        return image.read(file, limit);
    }

    @Override
    public void readAll(Collection<FileEntry> files, ContentVisitor visitor) throws IOException {
        List<FileEntry> rest = new ArrayList<>();
        for (FileEntry f : files) {
            byte[] bytes = kept.get(f.path());
            if (bytes != null) {
                visitor.visit(f, new ByteArrayInputStream(bytes));
            } else {
                rest.add(f);
            }
        }
        if (!rest.isEmpty()) {
            image.readAll(rest, visitor);
        }
    }
}
