package dev.distill.engine.packages;

import dev.distill.engine.fs.ContentVisitor;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Collects an image's package databases from a pass over its files (the analysis' one pass over the layers):
 * {@link #visitor()} keeps the database files and the licences of each copyright file as they stream by, and
 * {@link #inventory} turns them into a {@link PackageInventory} against the merged view once the pass is done.
 * A pass that reads every layer sees a file an upper layer replaces or deletes: {@link #forget} drops it.
 */
public final class PackageDatabaseReader {

    /** One database file larger than this is not read (dpkg's status of a large image is a few MiB). */
    static final int MAX_FILE_BYTES = 32 << 20;
    /** All database files together; beyond it the rest are recorded as problems. */
    static final long MAX_TOTAL_BYTES = 128L << 20;
    /** The head of a copyright file that is searched for licences. */
    static final int MAX_COPYRIGHT_BYTES = 1 << 20;

    private final Map<String, byte[]> kept = new ConcurrentHashMap<>();
    private final Map<String, List<String>> licenses = new ConcurrentHashMap<>();
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private long used;

    /** Whether a file is one this reader wants from the pass. */
    public static boolean reads(String path) {
        return DpkgDatabase.isDatabaseFile(path) || DpkgDatabase.isCopyright(path) || path.equals(ApkDatabase.INSTALLED);
    }

    /** The most bytes {@link #visitor()} reads of a file, whatever it read before: a pass that keeps them can replay it. */
    public static int bytesRead(dev.distill.engine.fs.FileEntry file) {
        if (!file.isRegular() || !reads(file.path())) {
            return 0;
        }
        return DpkgDatabase.isCopyright(file.path()) ? MAX_COPYRIGHT_BYTES : MAX_FILE_BYTES;
    }

    /** Receives the pass's files; ignores everything {@link #reads} does not want. */
    public ContentVisitor visitor() {
        return (file, in) -> {
            if (!file.isRegular() || !reads(file.path())) {
                return;
            }
            forget(file.path());
            if (DpkgDatabase.isCopyright(file.path())) {
                byte[] head = in.readNBytes(MAX_COPYRIGHT_BYTES);
                licenses.put(file.path(), DebianCopyright.licenses(new String(head, StandardCharsets.UTF_8)));
                return;
            }
            if (file.size() > MAX_FILE_BYTES) {
                problems.add(file.path() + " has " + file.size() + " bytes, more than the " + MAX_FILE_BYTES
                        + " read of a package database file: not read");
                return;
            }
            synchronized (this) {
                if (used + file.size() > MAX_TOTAL_BYTES) {
                    problems.add(file.path() + " is beyond the " + MAX_TOTAL_BYTES + " bytes read of package databases: not read");
                    return;
                }
                used += file.size();
            }
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES);
            kept.put(file.path(), bytes);
        };
    }

    /** Drops what the pass kept of a file that turned out not to be the image's. */
    public void forget(String path) {
        byte[] bytes = kept.remove(path);
        if (bytes != null) {
            synchronized (this) {
                used -= bytes.length;
            }
        }
        licenses.remove(path);
    }

    /**
     * The inventory of the image the pass read: dpkg's when it lists packages (status, or status.d), else apk's.
     * Only files the merged view has count: a database file the view does not have (deleted above) is ignored.
     */
    public PackageInventory inventory(ImageFileSystem fs) {
        Map<String, String> files = new TreeMap<>();
        kept.forEach((path, bytes) -> {
            if (fs.entry(path).map(FileEntry::isRegular).orElse(false)) {
                files.put(path, new String(bytes, StandardCharsets.UTF_8));
            }
        });
        List<String> problemsSeen = new ArrayList<>(problems);
        ImagePaths image = new ImagePaths(fs);
        List<String> sources = new ArrayList<>();
        List<InstalledPackage> dpkg = DpkgDatabase.read(files, licenses, image, sources, problemsSeen);
        if (!dpkg.isEmpty()) {
            if (files.containsKey(ApkDatabase.INSTALLED)) {
                problemsSeen.add("the image has both dpkg and apk databases; only dpkg's packages are listed");
            }
            return new PackageInventory(PackageManager.DPKG, sources, dpkg, problemsSeen);
        }
        String apk = files.get(ApkDatabase.INSTALLED);
        if (apk != null) {
            return new PackageInventory(PackageManager.APK, List.of(ApkDatabase.INSTALLED),
                    ApkDatabase.read(apk, image, problemsSeen), problemsSeen);
        }
        return sources.isEmpty() && problemsSeen.isEmpty() ? PackageInventory.NONE
                : new PackageInventory(sources.isEmpty() ? PackageManager.NONE : PackageManager.DPKG, sources, dpkg, problemsSeen);
    }
}
