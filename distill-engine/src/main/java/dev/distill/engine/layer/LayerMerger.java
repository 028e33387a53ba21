package dev.distill.engine.layer;

import static dev.distill.engine.layer.LayerException.Kind.LIMIT_EXCEEDED;
import static dev.distill.engine.layer.LayerException.Kind.UNSAFE;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileIndex;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Applies layers' tar entries bottom to top into one tree of metadata, as an OCI runtime unpacks them: later
 * entries replace earlier ones, {@code .wh.<name>} deletes a lower path and everything under it,
 * {@code .wh..wh..opq} hides a directory's lower children. Whiteouts affect lower layers only, as the image
 * spec says, so their position within a layer does not matter.
 *
 * <p>Besides each entry's metadata it remembers where a regular file's bytes are: the layer and the entry's
 * ordinal in that layer's tar. A hard link shares its target's bytes; when an upper layer replaces or deletes
 * the target, the link keeps the old bytes (it is the same inode) and becomes a regular file itself.
 */
final class LayerMerger {

    /** A regular file's bytes: layer index in the high half, tar ordinal in the low half. */
    static final long NO_CONTENT = -1;

    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final String AUFS_META = ".wh..wh.";

    private record Node(FileEntry entry, long content) {
    }

    /** Extended attributes over all entries: they are held in memory with the metadata. */
    static final long MAX_XATTR_BYTES = 64L * 1024 * 1024;

    private final LayerLimits limits;
    private final TreeMap<String, Node> tree = new TreeMap<>();
    private final List<UnreadableEntry> unreadable = new ArrayList<>();
    private final List<Whiteout> whiteouts = new ArrayList<>();
    private long xattrBytes;
    /** Hard link target (always a non-link) → the paths linking to it. */
    private final Map<String, TreeSet<String>> linksTo = new HashMap<>();
    private int entries;
    private int layerIndex = -1;
    private String layerDigest;

    LayerMerger(LayerLimits limits) {
        this.limits = limits;
    }

    static long content(int layer, int ordinal) {
        return ((long) layer << 32) | (ordinal & 0xffffffffL);
    }

    static int layerOf(long content) {
        return (int) (content >>> 32);
    }

    static int ordinalOf(long content) {
        return (int) content;
    }

    void startLayer(int index, String digest) {
        this.layerIndex = index;
        this.layerDigest = digest;
    }

    /** @return the regular file the entry made, whose bytes are the entry's data; null for any other entry */
    FileEntry apply(TarEntry e) throws LayerProblem {
        if (++entries > limits.maxEntries()) {
            throw new LayerProblem(LIMIT_EXCEEDED, e.name(), "the layers have more than " + limits.maxEntries() + " entries (the limit)");
        }
        if (e.unreadable() != null) {
            // Whatever lies under it has the same unreadable component, so it is left out too.
            unreadable.add(new UnreadableEntry(layerIndex, layerDigest, e.name(), e.unreadable()));
            return null;
        }
        xattrBytes += e.xattrs().byteSize();
        if (xattrBytes > MAX_XATTR_BYTES) {
            throw new LayerProblem(LIMIT_EXCEEDED, e.name(), "the layers' extended attributes take more than " + MAX_XATTR_BYTES
                    + " bytes (the limit)");
        }
        String path = normalize(e.name(), e.name(), "its name");
        if (path.equals("/")) {
            if (e.type() != FileType.DIRECTORY) {
                throw new LayerProblem(UNSAFE, e.name(), "names the image root but is a " + e.type() + ", not a directory");
            }
            return null; // The root's own metadata is not part of the view.
        }
        checkLength(path, e.name(), "path");
        String name = Paths.name(path);
        ensureParents(path, e.name());
        if (name.startsWith(WHITEOUT)) {
            whiteout(path, name, e.name());
            return null;
        }
        switch (e.type()) {
            case HARDLINK -> hardlink(path, e);
            case SYMLINK -> {
                String target = e.linkName();
                if (target.isEmpty()) {
                    throw new LayerProblem(UNSAFE, e.name(), "symlink without a target");
                }
                if (target.indexOf('\0') >= 0) {
                    throw new LayerProblem(UNSAFE, e.name(), "symlink target contains a NUL byte");
                }
                checkLength(target, e.name(), "symlink target");
                put(path, new Node(entry(path, e.type(), e.mode(), e.uid(), e.gid(), 0, target).withXattrs(e.xattrs()), NO_CONTENT));
            }
            case REGULAR -> {
                FileEntry file = entry(path, e.type(), e.mode(), e.uid(), e.gid(), e.size(), null).withXattrs(e.xattrs());
                put(path, new Node(file, content(layerIndex, e.ordinal())));
                return file;
            }
            default -> put(path, new Node(entry(path, e.type(), e.mode(), e.uid(), e.gid(), 0, null).withXattrs(e.xattrs()), NO_CONTENT));
        }
        return null;
    }

    FileIndex index() {
        NavigableMap<String, FileEntry> entriesByPath = new TreeMap<>();
        tree.forEach((path, node) -> entriesByPath.put(path, node.entry()));
        return new FileIndex(entriesByPath);
    }

    /** The entries left out because they cannot be named, in the order they were read. */
    List<UnreadableEntry> unreadable() {
        return List.copyOf(unreadable);
    }

    /** The layers' whiteouts, bottom layer first and in tar order within a layer. */
    List<Whiteout> whiteouts() {
        return List.copyOf(whiteouts);
    }

    /** Where each regular file's (and hard link's) bytes are, by path. */
    Map<String, Long> contents() {
        Map<String, Long> contents = new HashMap<>();
        tree.forEach((path, node) -> {
            if (node.content() != NO_CONTENT) {
                contents.put(path, node.content());
            }
        });
        return contents;
    }

    private void whiteout(String path, String name, String raw) throws LayerProblem {
        String directory = Paths.parent(path);
        if (name.equals(OPAQUE)) {
            removeLower(directory, false);
            whiteouts.add(new Whiteout(layerIndex, directory, true));
        } else if (!name.startsWith(AUFS_META)) { // other .wh..wh. names are aufs bookkeeping, not deletions
            String victim = name.substring(WHITEOUT.length());
            if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
                throw new LayerProblem(UNSAFE, raw, "whiteout of '" + LayerException.printable(victim) + "' would delete outside its directory");
            }
            removeLower(Paths.join(directory, victim), true);
            whiteouts.add(new Whiteout(layerIndex, Paths.join(directory, victim), false));
        }
    }

    private void hardlink(String path, TarEntry e) throws LayerProblem {
        if (e.linkName().isEmpty()) {
            throw new LayerProblem(UNSAFE, e.name(), "hard link without a target");
        }
        String target = normalize(e.linkName(), e.name(), "its hard link target '" + LayerException.printable(e.linkName()) + "'");
        checkLength(target, e.name(), "hard link target");
        if (target.equals(path)) {
            throw new LayerProblem(UNSAFE, e.name(), "hard link to itself");
        }
        Node node = tree.get(target);
        if (node == null) {
            throw new LayerProblem(UNSAFE, e.name(), "hard link to '" + LayerException.printable(target)
                    + "', which neither an earlier entry nor a lower layer has");
        }
        if (node.entry().isDirectory()) {
            throw new LayerProblem(UNSAFE, e.name(), "hard link to the directory '" + LayerException.printable(target) + "'");
        }
        String primary = target;
        if (node.entry().type() == FileType.HARDLINK) {
            primary = node.entry().linkTarget();
            node = tree.get(primary);
        }
        if (primary.equals(path)) {
            return; // Links the path to the inode it already is.
        }
        if (primary.startsWith(path + "/")) {
            throw new LayerProblem(UNSAFE, e.name(), "hard link to '" + LayerException.printable(primary) + "', which it replaces");
        }
        FileEntry t = node.entry();
        if (t.isSymlink()) {
            // A hard link to a symlink is that symlink under a second name.
            put(path, new Node(entry(path, FileType.SYMLINK, t.mode(), t.uid(), t.gid(), 0, t.linkTarget()).withXattrs(t.xattrs()),
                    NO_CONTENT));
            return;
        }
        put(path, new Node(entry(path, FileType.HARDLINK, t.mode(), t.uid(), t.gid(), t.size(), primary).withXattrs(t.xattrs()),
                node.content()));
        linksTo.computeIfAbsent(primary, p -> new TreeSet<>()).add(path);
    }

    private void put(String path, Node node) {
        Node old = tree.get(path);
        if (old != null) {
            if (old.entry().isDirectory() && node.entry().isDirectory()) {
                tree.put(path, node); // Directories merge: the children stay.
                return;
            }
            remove(path, true, Integer.MAX_VALUE);
        }
        tree.put(path, node);
    }

    /** Removes what lower layers put at and under the path; the current layer's entries stay (spec whiteouts). */
    private void removeLower(String path, boolean includingPath) throws LayerProblem {
        remove(path, includingPath, layerIndex);
        // Entries of this layer under a removed lower directory need their parents back.
        for (String survivor : new ArrayList<>(under(path).keySet())) {
            ensureParents(survivor, survivor);
        }
    }

    /** Removes entries from layers below {@code belowLayer} at (optionally) and under the path. */
    private void remove(String path, boolean includingPath, int belowLayer) {
        Map<String, Node> removed = new LinkedHashMap<>();
        Node self = tree.get(path);
        if (includingPath && self != null && self.entry().layerIndex() < belowLayer) {
            removed.put(path, self);
        }
        under(path).forEach((p, n) -> {
            if (n.entry().layerIndex() < belowLayer) {
                removed.put(p, n);
            }
        });
        removed.forEach((p, n) -> {
            tree.remove(p);
            if (n.entry().type() == FileType.HARDLINK) {
                TreeSet<String> siblings = linksTo.get(n.entry().linkTarget());
                if (siblings != null) {
                    siblings.remove(p);
                }
            }
        });
        removed.forEach((p, n) -> {
            TreeSet<String> links = linksTo.remove(p);
            if (links != null && !links.isEmpty()) {
                promote(n, links);
            }
        });
    }

    /**
     * The target of hard links is gone: the first link becomes the file (same bytes, same metadata: it is the
     * same inode) and the others link to it. Each keeps the layer that wrote it, so later whiteouts treat it
     * as that layer's entry; where its bytes are is remembered apart.
     */
    private void promote(Node gone, TreeSet<String> links) {
        FileEntry old = gone.entry();
        String heir = links.pollFirst();
        FileEntry heirLink = tree.get(heir).entry();
        tree.put(heir, new Node(new FileEntry(heir, old.type(), old.mode(), old.uid(), old.gid(), old.size(), null,
                heirLink.layerDigest(), heirLink.layerIndex(), old.xattrs()), gone.content()));
        for (String link : links) {
            FileEntry l = tree.get(link).entry();
            tree.put(link, new Node(new FileEntry(link, FileType.HARDLINK, l.mode(), l.uid(), l.gid(), l.size(), heir,
                    l.layerDigest(), l.layerIndex(), l.xattrs()), gone.content()));
        }
        if (!links.isEmpty()) {
            linksTo.put(heir, links);
        }
    }

    /**
     * Creates missing parent directories, as unpacking does. A parent that exists as anything but a directory
     * is refused: runtimes disagree about such layers (overlayfs hides the symlink or file behind a directory,
     * containerd follows the symlink), so no single view would be right.
     */
    private void ensureParents(String path, String raw) throws LayerProblem {
        List<String> missing = new ArrayList<>();
        for (String parent = Paths.parent(path); !parent.equals("/"); parent = Paths.parent(parent)) {
            Node node = tree.get(parent);
            if (node != null) {
                if (!node.entry().isDirectory()) {
                    throw new LayerProblem(UNSAFE, raw, "lies under '" + LayerException.printable(parent) + "', which is a "
                            + node.entry().type().toString().toLowerCase(java.util.Locale.ROOT) + ", not a directory");
                }
                break; // Every existing entry's parents exist already.
            }
            missing.add(parent);
        }
        for (String directory : missing) {
            tree.put(directory, new Node(entry(directory, FileType.DIRECTORY, 0755, 0, 0, 0, null), NO_CONTENT));
        }
    }

    private NavigableMap<String, Node> under(String path) {
        String prefix = path.equals("/") ? "/" : path + "/";
        // '0' follows '/' in ASCII: [prefix, prefix-with-'0') is exactly the paths below.
        return tree.subMap(prefix, true, prefix.substring(0, prefix.length() - 1) + '0', false);
    }

    private FileEntry entry(String path, FileType type, int mode, int uid, int gid, long size, String linkTarget) {
        return new FileEntry(path, type, mode, uid, gid, size, linkTarget, layerDigest, layerIndex);
    }

    private void checkLength(String text, String raw, String what) throws LayerProblem {
        if (text.length() > limits.maxPathLength()) {
            throw new LayerProblem(LIMIT_EXCEEDED, raw, what + " of " + text.length() + " characters is over the limit of "
                    + limits.maxPathLength());
        }
    }

    /**
     * A tar name as an absolute image path: {@code x}, {@code ./x} and {@code /x} are all {@code /x}, and
     * {@code a/../b} is {@code /b}; a {@code ..} that would climb above the root is refused, not clamped, since
     * no honest layer writes one.
     */
    static String normalize(String name, String raw, String what) throws LayerProblem {
        if (name.indexOf('\0') >= 0) {
            throw new LayerProblem(UNSAFE, raw, what + " contains a NUL byte");
        }
        List<String> parts = new ArrayList<>();
        int start = 0;
        while (start <= name.length()) {
            int slash = name.indexOf('/', start);
            int end = slash < 0 ? name.length() : slash;
            String c = name.substring(start, end);
            if (c.equals("..")) {
                if (parts.isEmpty()) {
                    throw new LayerProblem(UNSAFE, raw, what + " climbs out of the image root with '..'");
                }
                parts.remove(parts.size() - 1);
            } else if (!c.isEmpty() && !c.equals(".")) {
                parts.add(c);
            }
            start = end + 1;
        }
        return parts.isEmpty() ? "/" : "/" + String.join("/", parts);
    }
}
