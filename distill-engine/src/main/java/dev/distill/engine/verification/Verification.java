package dev.distill.engine.verification;

import dev.distill.engine.runtime.ResourceUsage;
import dev.distill.engine.structure.StructureTestReport;
import dev.distill.engine.verify.StaticReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the verifier found for one round of one migration: the report it publishes. Plain records, so that a
 * plain Jackson {@code ObjectMapper} writes it; durations are milliseconds.
 *
 * @param round the repair round this verification belongs to (0 = the first build)
 * @param verdict the outcome; {@link Verdict#REPAIR} asks the caller for another round
 * @param reasons why the verdict is what it is, one sentence each
 * @param repairCandidates per program, the files the next repair round is asked to carry: the {@link Need#NEEDED}
 *     candidates no earlier round asked for
 * @param candidates every file a program used (in the source's run, or failed to open in the result's) that the source
 *     image has and the result lacks, classified, with the evidence
 * @param sourceProcesses the source's processes as traced, and which result program each was taken for
 * @param resultSize uncompressed bytes of all result images together
 * @param sourceSize uncompressed bytes of the source image
 */
public record Verification(String source, String sourceDigest, int round, Verdict verdict, List<String> reasons,
        List<ImageCheck> images, Run result, Run sourceRun, List<Comparison> comparisons,
        Map<String, List<String>> repairCandidates, List<Candidate> candidates, List<SourceProcess> sourceProcesses,
        long resultSize, long sourceSize, Timings timings) {

    public Verification {
        if (verdict == null || round < 0) {
            throw new IllegalArgumentException("a verification needs a verdict and a round >= 0, got " + verdict + ", " + round);
        }
        reasons = List.copyOf(reasons);
        images = List.copyOf(images);
        comparisons = List.copyOf(comparisons);
        Map<String, List<String>> copy = new LinkedHashMap<>();
        repairCandidates.forEach((program, files) -> copy.put(program, List.copyOf(files)));
        repairCandidates = java.util.Collections.unmodifiableMap(copy);
        candidates = List.copyOf(candidates);
        sourceProcesses = List.copyOf(sourceProcesses);
    }

    /** The outcome of a round. */
    public enum Verdict {
        /** Static checks, structure tests and probes pass, and every probe answers like the source. */
        SUCCEEDED,
        /** It runs and passes its own probes, but equivalence with the source could not be established. */
        NEEDS_REVIEW,
        /** A check, a test or a probe failed, or the result answers differently from its source. */
        FAILED,
        /** Failed, but the source has files the result missed: the caller sends them to the builder and asks again. */
        REPAIR
    }

    /** What a repair candidate is to the result. */
    public enum Need {
        /** The program used it and the result lacks it: a repair round carries it. */
        NEEDED,
        /** The program runs without it (the loader's cache, the local time zone, password hashes). */
        HARMLESS,
        /** The runtime provides it: a volume of the wiring, a tmpfs, a file the container runtime mounts, /proc. */
        PROVIDED_AT_RUN_TIME,
        /** The source program writes it: a writable place for the plan, not a file to carry (a result's root is read-only). */
        WRITTEN
    }

    /**
     * A file the result lacks that its source image has and that a program used, classified, with the evidence.
     *
     * @param path as the program named it
     * @param entries what the result lacks to open it as the source does: every symlink on the way and the file itself
     * @param bytes the regular files' bytes among the entries: what carrying it adds
     * @param source which source processes used it, and how ({@code pid 12 /usr/bin/node [node server.js]: read}); at
     *     most three; empty when only the result's run shows it
     * @param resultFailed whether the result's program failed to open it ({@code ENOENT})
     * @param askedInRound the repair round that already asked for it, 0 when none did
     */
    public record Candidate(String program, String path, Need need, String reason, List<Entry> entries, long bytes,
            List<String> source, boolean resultFailed, int askedInRound) {

        public Candidate {
            if (program == null || path == null || need == null || reason == null) {
                throw new IllegalArgumentException("a candidate needs a program, a path, a need and a reason, got "
                        + program + " " + path + " " + need + " " + reason);
            }
            entries = List.copyOf(entries);
            source = List.copyOf(source);
        }
    }

    /** One entry a candidate needs: its type ({@code REGULAR}, {@code SYMLINK}, {@code DIRECTORY}...) and bytes. */
    public record Entry(String path, String type, long bytes) {
    }

    /**
     * A process of the source's run as the trace shows it.
     *
     * @param executable the program it ran; for a fork, its parent's
     * @param forked whether it is a fork still running its parent's program (no execve of its own)
     * @param programs the result programs it was taken for (its executable, or the one it was forked or executed from)
     * @param paths how many existing paths it used
     */
    public record SourceProcess(int pid, String executable, List<String> argv, boolean forked, List<String> programs,
            int paths) {

        public SourceProcess {
            argv = List.copyOf(argv);
            programs = List.copyOf(programs);
        }
    }

    /** The checks of one result image that need no container. */
    public record ImageCheck(String program, String reference, StaticReport staticChecks, StructureTestReport structureTests,
            int defaultTestsLeftOut) {
    }

    /**
     * One run (the result pod, or the source alone).
     *
     * @param error why it could not be run at all, or null
     * @param missing per program, the absolute paths its processes failed to open (ENOENT) during the run
     * @param opened per program, the paths its processes opened or executed during the run, as they named them: what
     *     it really used while probed (the benchmark sizes the smallest possible image from it)
     * @param written per program, the files and directories its processes made during the run (what a worker does)
     * @param ended per program that ended by itself before the run was over, its exit status (128 + the signal's number
     *     when a signal killed it; -1 when the trace did not say); a program still running at the end is not listed
     * @param timedOut whether a container was killed at the time limit
     * @param usage per container, what it used of its memory, pids and CPU limits (read before it was deleted)
     * @param stops per container, how it ended when asked to stop ({@code STOPPED_BY_SIGNAL}, {@code KILLED} when it
     *     ignored its stop signal, {@code ALREADY_STOPPED})
     * @param denied per program, the calls the sandbox refused it ({@code EPERM}), as traced
     * @param init the init containers run before the programs, in order (a failed one ends the run)
     */
    public record Run(boolean ran, String error, List<Probe> probes, String logExcerpt, Map<String, List<String>> missing,
            Map<String, List<String>> opened, Map<String, List<String>> written, Map<String, Integer> ended,
            boolean timedOut, Timings timings, Map<String, ResourceUsage> usage, Map<String, String> stops,
            Map<String, List<String>> denied, List<InitRun> init) {

        public Run {
            init = init == null ? List.of() : List.copyOf(init);
            probes = List.copyOf(probes);
            missing = copyOf(missing);
            opened = copyOf(opened);
            written = copyOf(written == null ? Map.of() : written);
            ended = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ended == null ? Map.of() : ended));
            usage = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(usage == null ? Map.of() : usage));
            stops = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(stops == null ? Map.of() : stops));
            denied = copyOf(denied == null ? Map.of() : denied);
        }

        /** A run without init containers and without what the sandbox saw of it (limits, stops, refused calls). */
        public Run(boolean ran, String error, List<Probe> probes, String logExcerpt, Map<String, List<String>> missing,
                Map<String, List<String>> opened, Map<String, List<String>> written, Map<String, Integer> ended,
                boolean timedOut, Timings timings) {
            this(ran, error, probes, logExcerpt, missing, opened, written, ended, timedOut, timings, Map.of(), Map.of(), Map.of(),
                    List.of());
        }

        /** A run without a trace of what was written or how programs ended. */
        public Run(boolean ran, String error, List<Probe> probes, String logExcerpt, Map<String, List<String>> missing,
                Map<String, List<String>> opened, boolean timedOut, Timings timings) {
            this(ran, error, probes, logExcerpt, missing, opened, Map.of(), Map.of(), timedOut, timings);
        }

        /** A run without a trace of what was opened. */
        public Run(boolean ran, String error, List<Probe> probes, String logExcerpt, Map<String, List<String>> missing,
                boolean timedOut, Timings timings) {
            this(ran, error, probes, logExcerpt, missing, Map.of(), Map.of(), Map.of(), timedOut, timings);
        }

        private static Map<String, List<String>> copyOf(Map<String, List<String>> map) {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            map.forEach((program, files) -> copy.put(program, List.copyOf(files)));
            return java.util.Collections.unmodifiableMap(copy);
        }

        static Run notRun(String error) {
            return new Run(false, error, List.of(), "", Map.of(), Map.of(), Map.of(), Map.of(), false, Timings.NONE);
        }

        boolean passed() {
            return ran && probes.stream().allMatch(Probe::passed);
        }
    }

    /**
     * One init container's run before the programs: the entrypoint step it stands for, run to completion.
     *
     * @param exitStatus its status, or 128 + the signal that ended it; -1 when it could not be run
     * @param logExcerpt the last lines of its output
     */
    public record InitRun(String container, String program, List<String> command, int exitStatus, boolean timedOut,
            long millis, String logExcerpt) {

        public InitRun {
            command = List.copyOf(command);
        }

        public boolean succeeded() {
            return exitStatus == 0 && !timedOut;
        }
    }

    /**
     * One probe's outcome.
     *
     * @param kind {@code stays-up}, {@code tcp}, {@code http} or {@code writes} (a program that listens on nothing makes
     *     the files its source makes)
     * @param port the port, or 0 for {@code stays-up}
     * @param status the HTTP status of the last answer, 0 when none
     * @param body the start of the last HTTP body (at most 2 KiB), or null
     */
    public record Probe(String kind, int port, String description, boolean passed, String evidence, int attempts,
            long elapsedMillis, int status, String body, String logExcerpt) {
    }

    /**
     * How the result answered a probe compared with the source.
     *
     * @param bodyCompared whether the bodies were compared (the source's body was the same on two requests)
     * @param matches whether the result answers like the source
     */
    public record Comparison(String kind, int port, boolean sourcePassed, boolean resultPassed, int sourceStatus,
            int resultStatus, boolean bodyCompared, boolean matches, String note) {
    }

    /**
     * Where the time went, for the benchmark.
     *
     * @param unpackMillis making the containers' rootfs: unpacking, or mounting overlays of shared layer trees
     * @param rootfs how the rootfs were made ({@code runtime.UnpackReport#method()}), e.g. why no overlay was used;
     *     empty when nothing ran
     */
    public record Timings(long pullMillis, long unpackMillis, long startMillis, long probeMillis, long totalMillis, String rootfs) {

        static final Timings NONE = new Timings(0, 0, 0, 0, 0);

        public Timings {
            rootfs = rootfs == null ? "" : rootfs;
        }

        public Timings(long pullMillis, long unpackMillis, long startMillis, long probeMillis, long totalMillis) {
            this(pullMillis, unpackMillis, startMillis, probeMillis, totalMillis, "");
        }
    }
}
