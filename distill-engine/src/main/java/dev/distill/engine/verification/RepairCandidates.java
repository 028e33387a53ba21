package dev.distill.engine.verification;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.PathWalk;
import dev.distill.engine.runtime.trace.Access;
import dev.distill.engine.runtime.trace.Execution;
import dev.distill.engine.runtime.trace.FileAccessTrace;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a repair round should carry, learnt from the source's own run: every path a source process of a result
 * program used (read, executed, listed, looked up) that the source image has and the result's image lacks, plus what
 * the result's program failed to open that the source has. Each is classified ({@link KnownFiles}, the wiring's
 * volumes, written places) and given its evidence. A program that stops at its first missing file shows one miss per
 * run; its source shows everything it needs in one.
 *
 * <p>Which source process is which result program: a process that executed the program's executable (or a script of
 * its command), both resolved in the source image; when programs share an executable (two PHP CLI workers) the one
 * whose arguments match best. Forks and further executions keep their parent's program (a worker, a helper it runs);
 * processes of no result program (a supervisor, an entrypoint script) are left out.
 */
final class RepairCandidates {

    /** Evidence lines kept per candidate, and source processes listed in the report. */
    static final int EVIDENCE = 3;
    static final int PROCESSES = 200;
    static final List<String> DEFAULT_PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
            "/sbin", "/bin");

    /**
     * One result program.
     *
     * @param command its exec-form command, as the result runs it
     * @param searchPath the directories a command word without a slash is looked up in (its {@code PATH})
     * @param mounts where the wiring mounts a volume into its container, to the volume's name
     * @param resultMissing what it failed to open (ENOENT) in the result's run
     */
    record Program(String name, List<String> command, List<String> searchPath, ImageFileSystem image,
            Map<String, String> mounts, Set<String> resultMissing) {

        Program {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(image, "image");
            command = List.copyOf(command);
            searchPath = searchPath == null || searchPath.isEmpty() ? DEFAULT_PATH : List.copyOf(searchPath);
            mounts = Map.copyOf(mounts);
            resultMissing = Set.copyOf(resultMissing);
        }

        /** The directories of a {@code PATH=...} entry among {@code env}, or the usual ones. */
        static List<String> searchPath(List<String> env) {
            return env.stream().filter(e -> e.startsWith("PATH=")).reduce((a, b) -> b)
                    .map(e -> List.of(e.substring(5).split(":"))).orElse(DEFAULT_PATH).stream()
                    .filter(d -> d.startsWith("/")).toList();
        }
    }

    /** The candidates, the source's processes as attributed, and what limited the search (one sentence each). */
    record Found(List<Verification.Candidate> candidates, List<Verification.SourceProcess> processes, List<String> notes) {
    }

    private final ImageFileSystem source;
    private final KnownFiles known;

    RepairCandidates(ImageFileSystem source, KnownFiles known) {
        this.source = Objects.requireNonNull(source, "source");
        this.known = Objects.requireNonNull(known, "known");
    }

    /**
     * @param sourceTrace the source's run, or null when it was not traced
     * @param asked per program, the paths earlier repair rounds asked for, with the round
     */
    Found find(FileAccessTrace sourceTrace, List<Program> programs, Map<String, Map<String, Integer>> asked) {
        List<String> notes = new ArrayList<>();
        Map<Integer, Set<String>> tags = sourceTrace == null ? Map.of() : attribute(sourceTrace.executions(), programs);
        if (sourceTrace == null) {
            notes.add("the source's run was not traced: only what the result failed to open can be repaired");
        } else if (sourceTrace.dropped() > 0) {
            notes.add("the source's trace kept what fits its bounds (" + sourceTrace.dropped() + " uses left out)");
        }
        List<Verification.Candidate> candidates = new ArrayList<>();
        for (Program p : programs) {
            Map<String, EnumSet<Access>> used = new TreeMap<>();
            Map<String, List<String>> evidence = new HashMap<>();
            boolean ran = false;
            if (sourceTrace != null) {
                for (Execution e : sourceTrace.executions()) {
                    if (!tags.getOrDefault(e.id(), Set.of()).contains(p.name())) {
                        continue;
                    }
                    ran = true;
                    e.paths().forEach((path, how) -> {
                        used.computeIfAbsent(path, x -> EnumSet.noneOf(Access.class)).addAll(how);
                        List<String> lines = evidence.computeIfAbsent(path, x -> new ArrayList<>());
                        if (lines.size() < EVIDENCE) {
                            lines.add(describe(e) + ": " + verbs(how));
                        }
                    });
                }
                if (!ran) {
                    notes.add("the source's run never executed " + p.name() + " (" + (p.command().isEmpty() ? "no command"
                            : p.command().get(0)) + "): only what the result failed to open can be repaired for it");
                }
            }
            Set<String> paths = new TreeSet<>(used.keySet());
            paths.addAll(p.resultMissing());
            Map<String, Integer> earlier = asked.getOrDefault(p.name(), Map.of());
            for (String path : paths) {
                candidate(p, path, used.getOrDefault(path, EnumSet.noneOf(Access.class)),
                        evidence.getOrDefault(path, List.of()), earlier).ifPresent(candidates::add);
            }
        }
        return new Found(candidates, processes(sourceTrace, tags), notes);
    }

    private Optional<Verification.Candidate> candidate(Program p, String path, Set<Access> how, List<String> evidence,
            Map<String, Integer> earlier) {
        PathWalk.Trace inSource;
        try {
            inSource = PathWalk.trace(source, path);
            if (inSource.target().isEmpty()) {
                return Optional.empty();  // not in the source image: made at run time, or a kernel file system
            }
            if (PathWalk.trace(p.image(), path).target().isPresent()) {
                return Optional.empty();  // the result has it (its own layer or its base)
            }
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return Optional.empty();
        }
        List<FileEntry> chain = new ArrayList<>(inSource.links());
        chain.add(inSource.target().get());
        List<Verification.Entry> lacking = new ArrayList<>();
        long bytes = 0;
        boolean resultFailed = p.resultMissing().contains(path);
        for (FileEntry e : chain) {
            resultFailed |= p.resultMissing().contains(e.path());
            Optional<FileEntry> inResult = p.image().entry(e.path());
            if (inResult.isEmpty() || inResult.get().type() != e.type()) {
                long size = e.type() == FileType.REGULAR ? e.size() : 0;
                lacking.add(new Verification.Entry(e.path(), e.type().name(), size));
                bytes += size;
            }
        }
        if (lacking.isEmpty()) {
            return Optional.empty();  // every entry is there but resolves otherwise: nothing a repair can carry
        }
        Verification.Need need = Verification.Need.NEEDED;
        String reason;
        Optional<KnownFiles.Known> k = known.match(path);
        Optional<Map.Entry<String, String>> volume = p.mounts().entrySet().stream()
                .filter(m -> KnownFiles.within(path, m.getKey())).findFirst();
        if (k.isPresent()) {
            need = k.get().need();
            reason = k.get().reason();
        } else if (volume.isPresent()) {
            need = Verification.Need.PROVIDED_AT_RUN_TIME;
            reason = "volume " + volume.get().getValue() + " is mounted at " + volume.get().getKey() + " in the result";
        } else if (how.contains(Access.WRITTEN)) {
            need = Verification.Need.WRITTEN;
            reason = "the source's " + p.name() + " writes it: a writable place for the plan (a carried file would be"
                    + " read-only)";
        } else if (how.isEmpty()) {
            reason = "the result's " + p.name() + " failed to open it (ENOENT) and the source has it";
        } else {
            reason = "the source's " + p.name() + " " + verbs(how) + " it" + (resultFailed
                    ? "; the result's failed to open it (ENOENT)" : "");
        }
        return Optional.of(new Verification.Candidate(p.name(), path, need, reason, lacking, bytes, evidence, resultFailed,
                earlier.getOrDefault(path, 0)));
    }

    // --- which source process is which program

    /** Per execution id, the programs it is taken for (ids ascend, parents come first). */
    private Map<Integer, Set<String>> attribute(List<Execution> executions, List<Program> programs) {
        Map<String, Set<String>> executables = new LinkedHashMap<>();
        for (Program p : programs) {
            executables.put(p.name(), executables(p));
        }
        Map<Integer, Set<String>> tags = new HashMap<>();
        for (Execution e : executions) {
            Set<String> own = e.executed() ? matching(e, programs, executables) : Set.of();
            tags.put(e.id(), !own.isEmpty() ? own : e.parent() >= 0 ? tags.getOrDefault(e.parent(), Set.of()) : Set.of());
        }
        return tags;
    }

    /** The regular files a command may be seen executing as: its program and any script path among its arguments. */
    private Set<String> executables(Program p) {
        List<String> command = p.command();
        Set<String> out = new TreeSet<>();
        for (int i = 0; i < command.size(); i++) {
            String word = command.get(i);
            List<String> tries = word.startsWith("/") ? List.of(word)
                    : i == 0 && !word.contains("/") ? p.searchPath().stream().map(d -> d + "/" + word).toList()
                    : List.of();
            for (String t : tries) {
                Optional<FileEntry> file = resolve(t);
                if (file.isPresent() && file.get().isRegular()) {
                    out.add(file.get().path());
                    break;
                }
            }
        }
        return out;
    }

    private Set<String> matching(Execution e, List<Program> programs, Map<String, Set<String>> executables) {
        if (e.executable() == null || !e.executable().startsWith("/")) {
            return Set.of();
        }
        Optional<FileEntry> file = resolve(e.executable());
        if (file.isEmpty()) {
            return Set.of();
        }
        // Programs that share the executable (php workers with different arguments): the best argument match wins.
        Map<String, Integer> scores = new LinkedHashMap<>();
        for (Program p : programs) {
            if (executables.get(p.name()).contains(file.get().path())) {
                scores.put(p.name(), (int) p.command().stream().skip(1).filter(e.argv()::contains).count());
            }
        }
        int best = scores.values().stream().max(Integer::compare).orElse(0);
        Set<String> out = new TreeSet<>();
        scores.forEach((name, score) -> {
            if (score == best) {
                out.add(name);
            }
        });
        return out;
    }

    private Optional<FileEntry> resolve(String path) {
        try {
            return source.resolve(path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return Optional.empty();
        }
    }

    private static List<Verification.SourceProcess> processes(FileAccessTrace trace, Map<Integer, Set<String>> tags) {
        List<Verification.SourceProcess> out = new ArrayList<>();
        if (trace == null) {
            return out;
        }
        for (Execution e : trace.executions()) {
            if (out.size() == PROCESSES) {
                break;
            }
            if (e.executed() || !e.paths().isEmpty()) {
                out.add(new Verification.SourceProcess(e.pid(), e.executable(), e.argv(), !e.executed(),
                        List.copyOf(tags.getOrDefault(e.id(), Set.of())), e.paths().size()));
            }
        }
        return out;
    }

    private static String describe(Execution e) {
        String argv = String.join(" ", e.argv());
        if (argv.length() > 80) {
            argv = argv.substring(0, 77) + "...";
        }
        return "pid " + e.pid() + " " + e.executable() + " [" + argv + "]" + (e.executed() ? "" : " (forked)");
    }

    private static String verbs(Set<Access> how) {
        List<String> out = new ArrayList<>();
        for (Access a : how) {
            out.add(a == Access.LOOKED_UP ? "looked up" : a.name().toLowerCase(Locale.ROOT));
        }
        return String.join(", ", out);
    }
}
