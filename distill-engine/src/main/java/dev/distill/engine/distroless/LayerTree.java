package dev.distill.engine.distroless;

import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.WrittenLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The entries of one layer, collected in any order and written sorted by path: a parent always sorts before its
 * children, so every directory is in the layer before what it holds, and the same entries always give the same
 * bytes. Directories that nothing declared are added as root-owned 0755, as a package unpacker would create them.
 */
final class LayerTree {

    enum Kind { DIRECTORY, FILE, SYMLINK, HARDLINK }

    /** One entry; {@code content} for files, {@code target} for links. */
    record Node(Kind kind, int mode, int uid, int gid, byte[] content, String target) {
    }

    private final String owner;
    private final TreeMap<String, Node> nodes = new TreeMap<>();
    private long contentBytes;

    /**
     * @param owner what the entries come from, for messages ("package libc6", "distroless extras")
     */
    LayerTree(String owner) {
        this.owner = owner;
    }

    void directory(String path, int mode, int uid, int gid) throws DistrolessBuildException {
        put(path, new Node(Kind.DIRECTORY, mode, uid, gid, null, null));
    }

    void file(String path, int mode, int uid, int gid, byte[] content) throws DistrolessBuildException {
        put(path, new Node(Kind.FILE, mode, uid, gid, content, null));
        contentBytes += content.length;
    }

    void symlink(String path, String target, int uid, int gid) throws DistrolessBuildException {
        put(path, new Node(Kind.SYMLINK, 0777, uid, gid, null, target));
    }

    /** @param target an absolute path of a regular file in this tree, added before or after */
    void hardlink(String path, String target, int uid, int gid) throws DistrolessBuildException {
        put(path, new Node(Kind.HARDLINK, 0, uid, gid, null, target));
    }

    boolean contains(String path) {
        return nodes.containsKey(path);
    }

    /** The content of a regular file of this tree, or null. */
    byte[] content(String path) {
        Node node = nodes.get(path);
        return node != null && node.kind() == Kind.FILE ? node.content() : null;
    }

    /** Every entry declared so far, by path (sorted). */
    java.util.SortedMap<String, Node> nodes() {
        return java.util.Collections.unmodifiableSortedMap(nodes);
    }

    /**
     * A new tree with the entries at {@code paths} (a hard link brings the file it points at, so the layer stays
     * whole); the directories above them are added when the tree is written.
     */
    LayerTree subset(String newOwner, java.util.Collection<String> paths) throws DistrolessBuildException {
        LayerTree out = new LayerTree(newOwner);
        java.util.TreeSet<String> wanted = new java.util.TreeSet<>(paths);
        for (String path : List.copyOf(wanted)) {
            Node node = nodes.get(path);
            if (node != null && node.kind() == Kind.HARDLINK) {
                wanted.add(node.target());
            }
        }
        for (String path : wanted) {
            Node node = nodes.get(path);
            if (node != null && !out.nodes.containsKey(path)) {
                out.put(path, node);
                if (node.kind() == Kind.FILE) {
                    out.contentBytes += node.content().length;
                }
            }
        }
        return out;
    }

    /** Bytes of file content held so far. */
    long contentBytes() {
        return contentBytes;
    }

    /** Writes the tree as a gzip layer at {@code target}. */
    WrittenLayer write(Path target) throws IOException {
        addMissingParents();
        Map<String, String> hardlinkHolders = hardlinkHolders();
        try (LayerWriter writer = new LayerWriter(target)) {
            for (Map.Entry<String, Node> e : nodes.entrySet()) {
                String path = e.getKey();
                Node node = e.getValue();
                switch (node.kind()) {
                    case DIRECTORY -> writer.directory(path, node.mode(), node.uid(), node.gid());
                    case SYMLINK -> writer.symlink(path, node.target(), node.uid(), node.gid());
                    case FILE -> {
                        String holder = hardlinkHolders.get(path);
                        if (holder != null && !holder.equals(path)) {
                            writer.hardlink(path, holder, node.uid(), node.gid());
                        } else {
                            writer.file(path, node.mode(), node.uid(), node.gid(), node.content());
                        }
                    }
                    case HARDLINK -> {
                        String holder = hardlinkHolders.get(path);
                        Node file = nodes.get(node.target());
                        if (holder.equals(path)) {
                            writer.file(path, file.mode(), file.uid(), file.gid(), file.content());
                        } else {
                            writer.hardlink(path, holder, node.uid(), node.gid());
                        }
                    }
                }
            }
            return writer.finish();
        }
    }

    /**
     * For every path of a hard-link group (a file and the links to it), the path that carries the content in the
     * layer: the first in sorted order. The tar format needs a link's target written before the link, and a
     * sorted layer may reach a link first; both names are the same inode either way.
     */
    private Map<String, String> hardlinkHolders() throws DistrolessBuildException {
        Map<String, List<String>> groups = new TreeMap<>();
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            String path = e.getKey();
            Node node = e.getValue();
            if (node.kind() == Kind.HARDLINK) {
                Node target = nodes.get(node.target());
                if (target == null || target.kind() != Kind.FILE) {
                    throw new DistrolessBuildException(owner + ": hard link " + path + " points at " + node.target()
                            + ", which is not a regular file of the same layer");
                }
                groups.computeIfAbsent(node.target(), t -> new ArrayList<>(List.of(t))).add(path);
            }
        }
        Map<String, String> holders = new HashMap<>();
        groups.values().forEach(group -> {
            String first = group.stream().sorted().findFirst().orElseThrow();
            group.forEach(p -> holders.put(p, first));
        });
        return holders;
    }

    private void addMissingParents() throws DistrolessBuildException {
        for (String path : new ArrayList<>(nodes.keySet())) {
            for (int slash = path.indexOf('/', 1); slash > 0; slash = path.indexOf('/', slash + 1)) {
                String parent = path.substring(0, slash);
                Node existing = nodes.get(parent);
                if (existing == null) {
                    nodes.put(parent, new Node(Kind.DIRECTORY, 0755, 0, 0, null, null));
                } else if (existing.kind() != Kind.DIRECTORY) {
                    throw new DistrolessBuildException(owner + ": " + path + " is below " + parent + ", which is a "
                            + existing.kind().name().toLowerCase(java.util.Locale.ROOT) + ", not a directory");
                }
            }
        }
    }

    private void put(String path, Node node) throws DistrolessBuildException {
        if (path.equals("/")) {
            return; // a layer has no entry for its own root: the root's metadata belongs to the runtime
        }
        Node previous = nodes.putIfAbsent(path, node);
        if (previous != null) {
            throw new DistrolessBuildException(owner + " has " + path + " twice");
        }
    }
}
