package dev.distill.engine.assembly;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Splits what the programs of one migration add to their bases into layers: the entries that several programs
 * carry alike (same path, type, mode, owner, attributes, and so the same source bytes) go into one layer per set of
 * programs, written once, so each of those images holds the same blob and a registry or a node stores it once; the
 * rest is each program's own layer. The shared layers sit right above the base, the widest first, so a program's own
 * layer stays its top layer.
 *
 * <p>An entry is shared only when every directory above it is, for each program of the set, the base's (in each
 * base) or a shared entry of a layer at or below it: a shared layer never needs a directory that only a program's
 * own layer, above it, would provide. Hard link groups stay whole in each program's own layer.
 */
final class SharedLayers {

    /** The files the programs at {@code programs} (indexes into the migration's list, ascending) share. */
    record Group(List<Integer> programs, TreeMap<String, ProgramLayer.Entry> entries) {
    }

    /**
     * @param shared the shared layers, widest first (then by their programs' indexes): the order they sit in every
     *     image that has them
     * @param own per program, what stays in its own layer
     */
    record Split(List<Group> shared, List<TreeMap<String, ProgramLayer.Entry>> own) {

        /** The shared layers of one program's image, in the order they go above its base. */
        List<Group> of(int program) {
            return shared.stream().filter(g -> g.programs().contains(program)).toList();
        }
    }

    private static final Comparator<List<Integer>> ORDER = Comparator.<List<Integer>>comparingInt(List::size).reversed()
            .thenComparing(List::toString);

    private SharedLayers() {
    }

    static Split of(List<TreeMap<String, ProgramLayer.Entry>> planned, List<ImageFileSystem> bases) {
        int n = planned.size();
        List<TreeMap<String, ProgramLayer.Entry>> own = new ArrayList<>();
        planned.forEach(p -> own.add(new TreeMap<>(p)));
        if (n < 2) {
            return new Split(List.of(), own);
        }
        List<Set<String>> linked = planned.stream().map(ProgramLayer::hardLinked).toList();
        // per program: the shared set each of its shared entries went to
        List<Map<String, List<Integer>>> placed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            placed.add(new HashMap<>());
        }
        Map<List<Integer>, TreeMap<String, ProgramLayer.Entry>> groups = new TreeMap<>(ORDER);
        Set<String> paths = new TreeSet<>();
        planned.forEach(p -> paths.addAll(p.keySet()));
        // Path order puts every directory before what it holds, so its placement is known when its files come.
        for (String path : paths) {
            List<Integer> candidates = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (planned.get(i).containsKey(path) && !linked.get(i).contains(path)) {
                    candidates.add(i);
                }
            }
            while (candidates.size() >= 2) {
                ProgramLayer.Entry first = planned.get(candidates.get(0)).get(path);
                List<Integer> alike = candidates.stream().filter(i -> planned.get(i).get(path).sameAs(first)).toList();
                candidates.removeAll(alike);
                if (alike.size() < 2 || !aboveIsInPlace(path, alike, planned, bases, placed)) {
                    continue;
                }
                groups.computeIfAbsent(alike, k -> new TreeMap<>()).put(path, first);
                for (int i : alike) {
                    own.get(i).remove(path);
                    placed.get(i).put(path, alike);
                }
            }
        }
        List<Group> shared = new ArrayList<>();
        groups.forEach((programs, entries) -> shared.add(new Group(programs, entries)));
        return new Split(shared, own);
    }

    /**
     * Whether every directory above {@code path} is, for each program of {@code set}, either its base's (and not
     * replaced by an entry of its own) or a shared entry of a set that includes all of {@code set} (a layer at or
     * below this one).
     */
    private static boolean aboveIsInPlace(String path, List<Integer> set, List<TreeMap<String, ProgramLayer.Entry>> planned,
            List<ImageFileSystem> bases, List<Map<String, List<Integer>>> placed) {
        for (String dir = ProgramLayer.parent(path); !dir.equals("/"); dir = ProgramLayer.parent(dir)) {
            for (int i : set) {
                if (planned.get(i).containsKey(dir)) {
                    List<Integer> where = placed.get(i).get(dir);
                    if (where == null || !where.containsAll(set)) {
                        return false;
                    }
                } else if (!bases.get(i).entry(dir).map(FileEntry::isDirectory).orElse(false)) {
                    return false;
                }
            }
        }
        return true;
    }
}
