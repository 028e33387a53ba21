package dev.distill.engine.verification;

import dev.distill.engine.assembly.BakedEntry;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.assembly.RepairedFile;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.structure.FileExistenceTest;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.budget.Budget;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.PlanNote;
import dev.distill.engine.plan.Probe;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.progress.Progress;
import dev.distill.engine.progress.ProgressListener;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import dev.distill.engine.runtime.Confinement;
import dev.distill.engine.runtime.CpuPriority;
import dev.distill.engine.runtime.LayerTreeStore;
import dev.distill.engine.runtime.OwnedDirectory;
import dev.distill.engine.runtime.PodSpec;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.engine.runtime.probe.HttpCheck;
import dev.distill.engine.structure.CommandRunner;
import dev.distill.engine.structure.DefaultSuite;
import dev.distill.engine.structure.StructureTestReport;
import dev.distill.engine.structure.StructureTestResult;
import dev.distill.engine.structure.StructureTestRunner;
import dev.distill.engine.structure.StructureTestSuite;
import dev.distill.engine.verify.StaticChecker;
import dev.distill.engine.verify.StaticReport;
import dev.distill.engine.wiring.ContainerPort;
import dev.distill.engine.wiring.ContainerWiring;
import dev.distill.engine.wiring.PodWiring;
import dev.distill.engine.wiring.Protocol;
import dev.distill.engine.wiring.Volume;
import dev.distill.engine.wiring.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.stream.Stream;

/**
 * Verifies one round of a migration: pulls the result images and the source, checks each result statically and
 * with its structure tests, runs the result as the wiring's pod and the source alone under the same probes, compares
 * their answers and judges. A failed check or probe is recorded, never thrown; a container that forks or loops
 * without end is held by the pids limit and killed at the time limit, and the verifier stays usable.
 * <pre>{@code
 * MigrationVerifier verifier = new MigrationVerifier(client, MigrationVerifier.Options.defaults(workRoot));
 * Verification v = verifier.verify(new MigrationVerifier.Request(build, plan, Platform.LINUX_AMD64, Map.of(), 0));
 * }</pre>
 * Calls may run in parallel: each has its own work directory.
 */
public final class MigrationVerifier {

    /**
     * @param workRoot where each verification makes (and deletes) its work directory
     * @param timeLimit how long a container may run after its start before it is killed
     * @param staysUp how long the result must keep running, measured from its start (the probes run inside it)
     * @param probeDeadline how long a TCP or HTTP probe retries before it fails
     * @param httpPath the path of the HTTP GET on every declared TCP port
     * @param expectedStatus the status that passes; 0 = whatever the source answers (200 when it cannot be run)
     * @param maxRepairRounds rounds after the first in which missing files may be asked for
     * @param confinement the runtime, seccomp profile and user namespaces of every container the verifier runs
     * @param layerTrees where image layers are unpacked once and shared by the containers' overlay rootfs; null to
     *     unpack every image in full for every run
     */
    public record Options(Path workRoot, Duration timeLimit, ResourceLimits limits, Duration staysUp, Duration probeDeadline,
            String httpPath, int expectedStatus, int maxRepairRounds, LayerLimits layerLimits, int logLines,
            Confinement confinement, LayerTreeStore layerTrees) {

        public Options {
            Objects.requireNonNull(workRoot, "workRoot");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(layerLimits, "layerLimits");
            Objects.requireNonNull(confinement, "confinement");
            for (Duration d : new Duration[] {timeLimit, staysUp, probeDeadline}) {
                if (d == null || d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("durations must be positive, got " + d);
                }
            }
            if (staysUp.plus(probeDeadline).compareTo(timeLimit) >= 0) {
                // Otherwise the watchdog would kill a healthy result before its probes end.
                throw new IllegalArgumentException("the time limit " + timeLimit + " must exceed stays-up " + staysUp
                        + " plus the probe deadline " + probeDeadline);
            }
            new HttpCheck(1, httpPath, 200);  // refuses a path a probe could not send, now rather than mid-run
            if (expectedStatus != 0 && (expectedStatus < 100 || expectedStatus > 599)) {
                throw new IllegalArgumentException("expected status must be 0 (as the source) or 100-599, got " + expectedStatus);
            }
            if (maxRepairRounds < 0 || logLines < 1) {
                throw new IllegalArgumentException("maxRepairRounds >= 0 and logLines >= 1, got " + maxRepairRounds + ", " + logLines);
            }
        }

        /** Without shared layer trees. */
        public Options(Path workRoot, Duration timeLimit, ResourceLimits limits, Duration staysUp, Duration probeDeadline,
                String httpPath, int expectedStatus, int maxRepairRounds, LayerLimits layerLimits, int logLines,
                Confinement confinement) {
            this(workRoot, timeLimit, limits, staysUp, probeDeadline, httpPath, expectedStatus, maxRepairRounds, layerLimits,
                    logLines, confinement, null);
        }

        /** With the full confinement ({@link Confinement#defaults()}). */
        public Options(Path workRoot, Duration timeLimit, ResourceLimits limits, Duration staysUp, Duration probeDeadline,
                String httpPath, int expectedStatus, int maxRepairRounds, LayerLimits layerLimits, int logLines) {
            this(workRoot, timeLimit, limits, staysUp, probeDeadline, httpPath, expectedStatus, maxRepairRounds, layerLimits,
                    logLines, Confinement.defaults());
        }

        /**
         * 90 s time limit, default cgroup limits, up for 3 s, 30 s per probe, GET / as the source answers, 2 repairs,
         * the full confinement.
         */
        public static Options defaults(Path workRoot) {
            return new Options(workRoot, Duration.ofSeconds(90), ResourceLimits.DEFAULTS, Duration.ofSeconds(3),
                    Duration.ofSeconds(30), "/", 0, 2, LayerLimits.defaults(), 40);
        }

        public Options withConfinement(Confinement newConfinement) {
            return new Options(workRoot, timeLimit, limits, staysUp, probeDeadline, httpPath, expectedStatus, maxRepairRounds,
                    layerLimits, logLines, newConfinement, layerTrees);
        }

        public Options withTimeLimit(Duration limit) {
            return new Options(workRoot, limit, limits, staysUp, probeDeadline, httpPath, expectedStatus, maxRepairRounds,
                    layerLimits, logLines, confinement, layerTrees);
        }

        public Options withLimits(ResourceLimits newLimits) {
            return new Options(workRoot, timeLimit, newLimits, staysUp, probeDeadline, httpPath, expectedStatus,
                    maxRepairRounds, layerLimits, logLines, confinement, layerTrees);
        }

        public Options withProbes(Duration newStaysUp, Duration newDeadline) {
            return new Options(workRoot, timeLimit, limits, newStaysUp, newDeadline, httpPath, expectedStatus,
                    maxRepairRounds, layerLimits, logLines, confinement, layerTrees);
        }

        public Options withHttp(String path, int status) {
            return new Options(workRoot, timeLimit, limits, staysUp, probeDeadline, path, status, maxRepairRounds,
                    layerLimits, logLines, confinement, layerTrees);
        }

        /** Containers' rootfs as overlays of the store's layer trees, where the host can mount them. */
        public Options withLayerTrees(LayerTreeStore store) {
            return new Options(workRoot, timeLimit, limits, staysUp, probeDeadline, httpPath, expectedStatus, maxRepairRounds,
                    layerLimits, logLines, confinement, store);
        }

        public Options withMaxRepairRounds(int rounds) {
            return new Options(workRoot, timeLimit, limits, staysUp, probeDeadline, httpPath, expectedStatus, rounds,
                    layerLimits, logLines, confinement, layerTrees);
        }
    }

    /**
     * @param userSuites structure-test suites the user supplied, by program name
     * @param round 0 for the first build, n after n repairs
     */
    public record Request(BuildReport build, MigrationPlan plan, Platform platform,
            Map<String, List<StructureTestSuite>> userSuites, int round) {

        public Request {
            Objects.requireNonNull(build, "build");
            Objects.requireNonNull(plan, "plan");
            Objects.requireNonNull(platform, "platform");
            if (build.wiring() == null || build.wiring().pod() == null) {
                throw new IllegalArgumentException("the build of " + build.source() + " has no pod wiring to run");
            }
            if (round < 0) {
                throw new IllegalArgumentException("round must be >= 0, got " + round);
            }
            userSuites = Map.copyOf(userSuites == null ? Map.of() : userSuites);
        }
    }

    /** The source's container, and its program in the run's per-program maps. */
    static final String SOURCE = "source";

    /** A command test's command is a quick check (a version, a config test), not a server. */
    static final Duration COMMAND_TIME_LIMIT = Duration.ofSeconds(20);
    /** How many sources' answers a verifier keeps (each a few KiB: probes, log excerpt, the trace's paths). */
    static final int SOURCE_ANSWERS_KEPT = 64;
    /**
     * Result images checked at once (static checks and command tests): half the cores, at most two (a bound on memory).
     * The checks' ELF passes are CPU work beside the runs, and the runs' traced starts (the source's above all, which
     * the verdict waits for) are too: on two cores, two checks at once took both from them (tag 2 of bench/release.sh).
     */
    static final int CHECKS_AT_ONCE = checksAtOnce(Runtime.getRuntime().availableProcessors());
    /**
     * Tar entries of remembered layer indexes (a few hundred bytes each in memory): the debian-php source has ~7,200,
     * its two results a few thousand with their bases, so this keeps dozens of images' layers in tens of MB at most.
     */
    static final long REMEMBERED_LAYER_ENTRIES = 200_000;
    /** Images' accounts kept by the content of their passwd and group files (a few KiB each). */
    static final int ACCOUNTS_KEPT = 256;

    static int checksAtOnce(int cores) {
        return Math.max(1, Math.min(2, cores / 2));
    }

    private final RegistryClient client;
    private final Options options;
    /** Where the containers run: this process, or the privileged runner for an unprivileged verifier. */
    private final PrivilegedRuns runs;
    /** The sources' answers, by digest and probe set: a repair round does not run its source again. */
    private final SourceAnswers sourceAnswers = new SourceAnswers(SOURCE_ANSWERS_KEPT);
    /** Layer indexes of the images pulled before, by digest: a layer seen again is merged without reading its blob. */
    private final RememberedLayers layers = new RememberedLayers(REMEMBERED_LAYER_ENTRIES);
    /** Accounts read before, by where their files' bytes are: a release's unchanged base is not read again for them. */
    private final KnownAccounts accounts = new KnownAccounts(ACCOUNTS_KEPT);
    /** Each verification's closing of its sandboxes and removal of its directory, after its verdict. */
    private final Cleanups cleanups = new Cleanups();

    /** Runs the containers in this process (which must be root). */
    public MigrationVerifier(RegistryClient client, Options options) {
        this(client, options, PrivilegedRuns.inProcess());
    }

    public MigrationVerifier(RegistryClient client, Options options, PrivilegedRuns runs) {
        this.client = Objects.requireNonNull(client, "client");
        this.options = Objects.requireNonNull(options, "options");
        this.runs = Objects.requireNonNull(runs, "runs");
    }

    /**
     * Waits until the verifications that returned have closed their sandboxes and removed their directories, which
     * they do after their verdict; at most {@code timeout}. Call it before the process exits, or before looking at the
     * work root.
     *
     * @return whether all of them are done
     */
    public boolean awaitCleanups(Duration timeout) throws InterruptedException {
        return cleanups.await(timeout);
    }

    /** Where the containers run. */
    public PrivilegedRuns runs() {
        return runs;
    }

    public Options options() {
        return options;
    }

    /**
     * Removes what a crashed verifier left in the work root: its sandboxes' containers (deleted, with their cgroups),
     * mounts and directories. Verifications in progress in other processes that share the work root are left alone.
     * Call it when the verifier starts.
     */
    public SweepReport sweep() {
        return runs.sweep(options.workRoot(), sandboxOptions(options));
    }

    static Sandbox.Options sandboxOptions(Options options) {
        return Sandbox.Options.defaults().withTimeLimit(options.timeLimit()).withConfinement(options.confinement())
                .withLayerTrees(options.layerTrees());
    }

    /**
     * Verifies the build. Throws only when the images cannot be pulled, the work directory cannot be made or a sandbox
     * cannot be opened (a fault of the host, not of the image): then nothing was verified.
     */
    public Verification verify(Request request) throws IOException {
        return verify(request, ProgressListener.NONE);
    }

    /**
     * Verifies the build like {@link #verify(Request)}, reporting its steps: {@code pull} (images pulled, the results
     * and the source), {@code check} (result images checked) and {@code run} (runs done of the source's and the
     * result's, and the probes they ran).
     */
    public Verification verify(Request request, ProgressListener progress) throws IOException {
        long begin = System.nanoTime();
        VerifyTimeline timeline = new VerifyTimeline(begin);
        VerifyTimeline.Binding timed = timeline.bind("result");
        BuildReport build = request.build();
        PodWiring pod = build.wiring().pod();
        Files.createDirectories(options.workRoot());
        Path work = Files.createTempDirectory(options.workRoot(), "verify-");
        OwnedDirectory owned = null;
        try {
            runs.prepare(work, sandboxOptions(options));
            owned = OwnedDirectory.claim(work, "verification");
        } catch (IOException | RuntimeException e) {
            WorkDirectories.removeTreeQuietly(work);
            timed.close();
            throw e;
        }
        VerifyTimeline.step("prepare", begin);
        // The runs' sandboxes are closed after the verdict, with the work directory they are in (see Teardown).
        Teardown teardown = Teardown.deferred();
        List<Integer> ports = tcpPorts(pod);
        List<String> settle = workerPlaces(request.plan());
        // The source side (pull, then its run under the probes, or its kept answers) needs nothing from the results:
        // it runs on a thread of its own while the results are pulled and checked (static checks, structure tests).
        // Threads of this verification work under its caller's budget (a cancelled migration stops them too).
        Budget budget = Budget.current();
        // Whether the source's answers are known without its run (kept ones, or no source to run): said as soon as
        // the source is pulled and looked up, so that the result's run need not wait for the source's to decide.
        CompletableFuture<Boolean> answersKnown = new CompletableFuture<>();
        FutureTask<SourceSide> sourceTask = new FutureTask<>(() -> {
            try (Budget.Binding bound = budget.bind(); VerifyTimeline.Binding t = timeline.bind("source")) {
                return sourceSide(build, request.platform(), ports, settle, work, answersKnown, teardown);
            } finally {
                answersKnown.complete(true);  // a failure: the task's outcome says it, nothing is waited for
            }
        });
        Thread sourceThread = new Thread(sourceTask, "distill-verify-source");
        sourceThread.setDaemon(true);
        sourceThread.start();
        // Each image's checks (its ELF pass over its layers, its command batch) share nothing with another's: up to
        // CHECKS_AT_ONCE at a time (each ELF pass may hold up to 256 MiB of headers), collected in order.
        java.util.concurrent.ExecutorService checkers = java.util.concurrent.Executors.newFixedThreadPool(
                Math.max(1, Math.min(CHECKS_AT_ONCE, build.images().size())), r -> {
                    // The checks are due only once the result has run; the runs' pod creation and traced starts are
                    // due now, on the same cores: a check gives way to them (the window leaves the checks idle cores).
                    Thread thread = new Thread(() -> {
                        CpuPriority.lowerCurrentThread(CpuPriority.BACKGROUND);
                        r.run();
                    }, "distill-verify-check");
                    thread.setDaemon(true);
                    return thread;
                });
        try {
            // The result images, pinned by the digests the builder pushed.
            long t = System.nanoTime();
            Map<String, Pulled> results = new LinkedHashMap<>();
            int images = build.images().size();
            progress.progress(Progress.of("pull", Progress.count("images", 0, images + 1)));
            for (BuildReport.Image image : build.images()) {
                ImageReference ref = ImageReference.parse(image.reference()).withDigest(Digest.parse(image.digest()));
                long p = System.nanoTime();
                results.put(image.program(), pull(ref, request.platform(), work));
                VerifyTimeline.step("pull " + image.program(), p);
                progress.progress(Progress.of("pull", Progress.count("images", results.size(), images + 1)));
            }
            long resultPull = millisSince(t);

            List<FutureTask<Verification.ImageCheck>> checkTasks = new ArrayList<>();
            for (BuildReport.Image image : build.images()) {
                Path commandDir = work.resolve("commands-" + checkTasks.size());
                FutureTask<Verification.ImageCheck> task = new FutureTask<>(() -> {
                    try (Budget.Binding bound = budget.bind(); VerifyTimeline.Binding c = timeline.bind("check")) {
                        return check(image, results.get(image.program()), request, commandDir);
                    }
                });
                checkTasks.add(task);
                checkers.execute(task);
            }
            // The checks go on beside the runs below (their ELF passes are CPU work, the runs mostly wait on the
            // stays-up window); they are collected once the result has run.

            // The result's run needs the source's answers: on which ports it speaks HTTP, with which status, and what its
            // workers wrote. When they are not known yet and no program is a worker (whose writes the result must make,
            // so it needs them before it runs), the result runs beside the source: it probes HTTP on every port and its
            // answers are judged afterwards against the source's (judgeHttpAfter); one that does not pass then runs the
            // result again as below, so that a failure is judged exactly as in the run after the source's.
            SandboxRun.Outcome beside = null;
            t = System.nanoTime();
            if (settle.isEmpty() && !awaitAnswersKnown(answersKnown)) {
                VerifyTimeline.step("await the source's lookup", t);
                beside = runResult(work.resolve("result-beside"), pod, results, notKnownYet(ports, options.httpPath()),
                        Map.of(), resultPull, teardown);
            }
            t = System.nanoTime();
            SourceSide side = await(sourceTask, "the source ran");
            VerifyTimeline.step("await the source's run", t);
            Pulled source = side.source();
            String sourceError = side.error();
            long sourcePull = side.pullMillis();
            SandboxRun.Outcome sourceRun = side.run();
            boolean sourceKnown = side.known();
            progress.progress(Progress.of("pull", Progress.count("images", images + 1, images + 1)));
            int sourceProbes = sourceRun == null ? 0 : sourceRun.run().probes().size();
            progress.progress(Progress.of("run", Progress.count("runs", 1, 2), Progress.count("probes", sourceProbes, 0)));
            List<HttpCheck> http = resultHttpChecks(options, ports, sourceRun);
            SandboxRun.Outcome resultRun = beside == null ? null : judgeHttpAfter(beside, http).orElse(null);
            if (resultRun == null) {
                Map<String, List<String>> expectedWrites = sourceRun == null || !sourceRun.run().ran() ? Map.of()
                        : expectedWrites(request.plan(), sourceRun.run());
                t = System.nanoTime();
                resultRun = runResult(work.resolve("result"), pod, results, http, expectedWrites, resultPull, teardown);
                VerifyTimeline.step("result run after the source's", t);
            }
            progress.progress(Progress.of("run", Progress.count("runs", 2, 2),
                    Progress.count("probes", sourceProbes + resultRun.run().probes().size(), 0)));
            List<Verification.ImageCheck> checks = new ArrayList<>();
            t = System.nanoTime();
            for (FutureTask<Verification.ImageCheck> task : checkTasks) {
                checks.add(await(task, "the result images were checked"));
                progress.progress(Progress.of("check", Progress.count("images", checks.size(), images)));
            }
            VerifyTimeline.step("collect the checks", t);
            t = System.nanoTime();

            List<Verification.Comparison> comparisons = sourceRun == null || !sourceRun.run().ran() ? List.of()
                    : compare(sourceRun, resultRun);
            RepairCandidates.Found found = source == null
                    ? new RepairCandidates.Found(List.of(), List.of(), List.of("nothing can be repaired without the source"))
                    : new RepairCandidates(source.fs(), KnownFiles.defaults()).find(
                            sourceRun == null ? null : sourceRun.traces().get(SOURCE),
                            programs(request, pod, results, resultRun.run()), asked(build));
            long resultSize = build.images().stream().mapToLong(BuildReport.Image::uncompressedSize).sum();
            VerifyTimeline.step("compare, repair candidates", t);
            t = System.nanoTime();

            List<String> reasons = new ArrayList<>();
            Verification.Verdict verdict = judge(options, request, checks, resultRun.run(), sourceError, ports, comparisons,
                    found, reasons);
            Verification.Timings r = resultRun.run().timings();
            VerifyTimeline.step("judge", t);
            return new Verification(build.source(), build.sourceDigest(), request.round(), verdict, reasons, checks,
                    resultRun.run(), sourceRun == null ? Verification.Run.notRun(sourceError) : sourceRun.run(), comparisons,
                    verdict == Verification.Verdict.REPAIR ? toRepair(found.candidates()) : Map.of(), found.candidates(),
                    found.processes(), resultSize, build.sourceUncompressedSize(),
                    new Verification.Timings(resultPull + sourcePull, r.unpackMillis()
                            + (sourceRun == null || sourceKnown ? 0 : sourceRun.run().timings().unpackMillis()), r.startMillis(),
                            r.probeMillis(), millisSince(begin), "result: " + r.rootfs() + (sourceRun == null || sourceKnown ? ""
                            : "; source: " + sourceRun.run().timings().rootfs())));
        } finally {
            // Never delete the directory under a source run still going (a failed pull of the results ends here).
            sourceTask.cancel(false);
            checkers.shutdown();
            long ending = System.nanoTime();
            try {
                sourceThread.join();
                // All done when the verification ended normally; after a failure, checks not yet begun are dropped
                // and one under way is interrupted (a command it runs is killed), before the directory goes.
                checkers.shutdownNow();
                checkers.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            VerifyTimeline.step("join the source's thread and the checks", ending);
            timed.close();
            timeline.log(build.source() + " round " + request.round());
            // Nothing below is in the verdict: the caller has it while the sandboxes are closed and the directory goes.
            OwnedDirectory held = owned;
            cleanups.run("distill-verify-cleanup", () -> {
                teardown.closeAll();
                WorkDirectories.removeTreeQuietly(work);
                try {
                    held.close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot let go of " + work, e);
                }
            });
        }
    }

    /**
     * The source as pulled (null when it could not be), why it cannot be compared with (or null), how long the pull
     * took, its run (null when not pulled), and whether that run is a kept one.
     */
    private record SourceSide(Pulled source, String error, long pullMillis, SandboxRun.Outcome run, boolean known) {
    }

    private SourceSide sourceSide(BuildReport build, Platform platform, List<Integer> ports, List<String> settle, Path work,
            CompletableFuture<Boolean> answersKnown, Teardown teardown) throws IOException {
        Path dir = work.resolve("source");
        long t = System.nanoTime();
        Pulled source;
        try {
            source = pull(ImageReference.parse(build.source()).withDigest(Digest.parse(build.sourceDigest())), platform, work);
            VerifyTimeline.step("pull source", t);
        } catch (IOException | RuntimeException e) {
            return new SourceSide(null, "the source image could not be pulled: " + e.getMessage(), millisSince(t), null, false);
        }
        long pullMillis = millisSince(t);
        SourceAnswers.Key key = new SourceAnswers.Key(source.image().pushedDigest(), platform, options, ports, settle);
        SandboxRun.Outcome run = sourceAnswers.get(key).orElse(null);
        boolean known = run != null;
        answersKnown.complete(known);
        if (!known) {
            long r = System.nanoTime();
            run = runSource(dir, source, ports, settle, pullMillis, teardown);
            VerifyTimeline.step("source run", r);
            sourceAnswers.offer(key, run);
        }
        String error = run.run().ran() ? sourceLimits(run.run()) : "the source image could not be run: " + run.run().error();
        return new SourceSide(source, error, pullMillis, run, known);
    }

    private static boolean awaitAnswersKnown(CompletableFuture<Boolean> answersKnown) throws IOException {
        try {
            return answersKnown.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the source was pulled", e);
        } catch (ExecutionException e) {
            return true;  // never completed exceptionally; were it, the source task's outcome would say why
        }
    }

    private static <T> T await(FutureTask<T> task, String what) throws IOException {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + what, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    /** An image's config and merged view. */
    private record Pulled(ResolvedImage image, LayeredFileSystem fs) {
    }

    private Pulled pull(ImageReference reference, Platform platform, Path work) throws IOException {
        try {
            ResolvedImage image = client.resolve(reference, platform);
            BlobSource blobs = runs.blobs(client, image.pinnedReference(), work);
            LayeredFileSystem fs = LayeredFileSystem.build(image.layers(), blobs, options.layerLimits(), null, layers);
            if (blobs instanceof SpooledBlobSource spooled) {
                // The runner reads every layer from the spool: a layer merged from its remembered index was not read.
                for (Descriptor layer : image.layers()) {
                    spooled.keep(layer);
                }
            }
            return new Pulled(image, fs);
        } catch (RegistryException e) {
            throw new IOException("cannot pull " + reference + ": " + e.getMessage(), e);
        }
    }

    private Verification.ImageCheck check(BuildReport.Image image, Pulled pulled, Request request, Path commandDir) {
        long t = System.nanoTime();
        StaticReport statics = new StaticChecker().check(pulled.fs(), pulled.image().imageConfig());
        VerifyTimeline.step("static checks " + image.program(), t);
        t = System.nanoTime();
        List<StructureTestResult> results = new ArrayList<>();
        int leftOut = 0;
        CommandRunner commands = null;
        try {
            // Command tests run as the image runs: its configuration and the user it was built with.
            RuntimeConfig config = RuntimeConfig.of(pulled.image().imageConfig(), Identity.resolve(image.user(), accounts.of(pulled.fs())))
                    .withLimits(options.limits());
            commands = new RuncCommandRunner(commandDir, pulled.fs(), config, COMMAND_TIME_LIMIT,
                    sandboxOptions(options).withTimeLimit(COMMAND_TIME_LIMIT), runs);
        } catch (IOException | RuntimeException e) {
            // Without a runnable configuration the command tests are reported as not run, with the runner's reason.
        }
        StructureTestRunner runner = new StructureTestRunner(pulled.fs(), pulled.image().imageConfig(), commands);
        ProgramPlan plan = Stream.concat(request.plan().programs().stream(), request.plan().prestart().init().stream())
                .filter(p -> p.name().equals(image.program())).findFirst().orElse(null);
        List<StructureTestSuite> suites = new ArrayList<>();
        if (plan != null) {
            DefaultSuite suite = DefaultSuite.from(plan, image.user());
            leftOut = suite.leftOut();
            suites.add(withBaked(suite.suite(), image.baked()));
        }
        suites.addAll(request.userSuites().getOrDefault(image.program(), List.of()));
        // Every suite's command tests of this image in one batch: one container for all of them.
        runner.runAll(suites).forEach(report -> results.addAll(report.results()));
        VerifyTimeline.step("structure tests " + image.program(), t);
        return new Verification.ImageCheck(image.program(), image.reference() + "@" + image.digest(), statics,
                new StructureTestReport(results), leftOut);
    }

    /**
     * The default suite with the entrypoint's baked files as the build report says they are: a file a baked step made,
     * changed or deleted is tested as the bake left it (instead of as the plan carried it from the source), so a step's
     * effect the result lacks fails a structure test.
     */
    static StructureTestSuite withBaked(StructureTestSuite suite, List<BakedEntry> baked) {
        if (baked.isEmpty()) {
            return suite;
        }
        java.util.Set<String> paths = new java.util.HashSet<>();
        baked.forEach(b -> paths.add(b.path()));
        List<FileExistenceTest> files = new ArrayList<>();
        suite.fileExistenceTests().stream().filter(t -> !paths.contains(t.path())).forEach(files::add);
        for (BakedEntry b : baked.subList(0, Math.min(baked.size(), DefaultSuite.MAX_FILE_TESTS))) {
            String name = "baked " + b.path() + " (" + b.change() + " by " + b.step() + ")";
            files.add(b.type() == null ? FileExistenceTest.absent(name, b.path())
                    : FileExistenceTest.present(name, b.path(), FileType.valueOf(b.type()), b.mode(), b.uid(), b.gid()));
        }
        return new StructureTestSuite(suite.schemaVersion(), suite.globalEnvVars(), suite.commandTests(), files,
                suite.fileContentTests(), suite.metadataTest());
    }

    private SandboxRun.Outcome runSource(Path dir, Pulled source, List<Integer> ports, List<String> settle, long pullMillis,
            Teardown teardown) throws IOException {
        long configuring = System.nanoTime();
        PodSpec spec;
        try {
            // The source runs as it always ran: its own user, a writable root (it writes where it likes).
            RuntimeConfig config = RuntimeConfig.of(source.image().imageConfig(),
                    Identity.resolve(source.image().imageConfig().user(), accounts.of(source.fs()))).withWritableRoot()
                    .withLimits(options.limits());
            spec = new PodSpec(List.of(), List.of(new PodSpec.Member(SOURCE, source.fs(), config, List.of())));
        } catch (IOException | RuntimeException e) {
            return SandboxRun.Outcome.notRun("cannot configure the source: " + e.getMessage());
        }
        VerifyTimeline.step("source config (accounts)", configuring);
        int expected = options.expectedStatus() == 0 ? 200 : options.expectedStatus();
        List<HttpCheck> http = ports.stream().map(p -> new HttpCheck(p, options.httpPath(), expected)).toList();
        return runs.runPod(dir, new SandboxRun.Plan(spec, Map.of(SOURCE, SOURCE), ports, http, Map.of(), settle).killedAtEnd(),
                options, pullMillis, teardown);
    }

    private SandboxRun.Outcome runResult(Path dir, PodWiring pod, Map<String, Pulled> results, List<HttpCheck> http,
            Map<String, List<String>> expectedWrites, long pullMillis, Teardown teardown) throws IOException {
        PodSpec spec;
        Map<String, String> programs = new LinkedHashMap<>();
        List<PodSpec.Member> init = new ArrayList<>();
        try {
            List<PodSpec.Volume> volumes = new ArrayList<>();
            for (Volume v : pod.volumes()) {
                // POD volumes are shared, CONTAINER volumes are one container's writable place: both are
                // directories the sandbox makes with the owner and mode the wiring gives (the root is read-only).
                volumes.add(new PodSpec.Volume(v.name(), v.uid(), v.gid(), v.mode()));
            }
            List<PodSpec.Member> members = new ArrayList<>();
            for (ContainerWiring c : pod.containers()) {
                members.add(member(c, results));
                programs.put(c.name(), c.program());
            }
            for (ContainerWiring c : pod.initContainers()) {
                init.add(member(c, results));
                programs.put(c.name(), c.program());
            }
            spec = new PodSpec(volumes, members);
        } catch (RuntimeException e) {
            return SandboxRun.Outcome.notRun("cannot configure the pod: " + e.getMessage());
        }
        return runs.runPod(dir, new SandboxRun.Plan(spec, programs, tcpPorts(pod), http, expectedWrites, List.of(), init),
                options, pullMillis, teardown);
    }

    /**
     * The GETs the result gets, given the source's run (null when there is none): on every port with the configured
     * status (200 when none) when the source did not run; else only where the source speaks HTTP (a FastCGI or database
     * port answers nothing a GET understands), expecting the configured status or else the source's.
     */
    static List<HttpCheck> resultHttpChecks(Options options, List<Integer> ports, SandboxRun.Outcome source) {
        List<HttpCheck> http = new ArrayList<>();
        for (int port : ports) {
            if (source == null || !source.run().ran()) {
                http.add(new HttpCheck(port, options.httpPath(), options.expectedStatus() == 0 ? 200 : options.expectedStatus()));
                continue;
            }
            Verification.Probe answered = find(source.run(), "http", port);
            if (answered != null && answered.status() != 0) {
                http.add(new HttpCheck(port, options.httpPath(),
                        options.expectedStatus() == 0 ? answered.status() : options.expectedStatus()));
            }
        }
        return http;
    }

    /** A GET on every port, its status judged after the run (the source's answers are not known yet). */
    static List<HttpCheck> notKnownYet(List<Integer> ports, String path) {
        return ports.stream().map(p -> new HttpCheck(p, path, HttpCheck.NOT_KNOWN_YET)).toList();
    }

    /**
     * A result's run whose HTTP probes were sent before their expected status was known ({@link #notKnownYet}), judged
     * now against the checks it would have got ({@link #resultHttpChecks}): a probe on a port without a check is left
     * out (with its bodies), as it would not have been sent; one whose answer has the expected status passes, as the
     * same answer would have ended the probe with that check. Empty when the run judged so does not pass in full: a
     * checked port's probe without an answer, or with another status (after which the probe with the check would have
     * gone on asking), or any other probe failed (the run beside the source lasted longer, probing ports that speak no
     * HTTP, so it watched its programs longer): then the result must run again with the checks, so that a failure is
     * found and told as it always was.
     */
    static Optional<SandboxRun.Outcome> judgeHttpAfter(SandboxRun.Outcome beside, List<HttpCheck> checks) {
        Map<Integer, HttpCheck> byPort = new LinkedHashMap<>();
        checks.forEach(c -> byPort.put(c.port(), c));
        List<Verification.Probe> probes = new ArrayList<>();
        Set<Integer> probed = new java.util.HashSet<>();
        for (Verification.Probe p : beside.run().probes()) {
            if (!p.kind().equals("http")) {
                probes.add(p);
                continue;
            }
            HttpCheck check = byPort.get(p.port());
            if (check == null) {
                continue;
            }
            if (!p.passed() || p.status() != check.expectedStatus()) {
                return Optional.empty();
            }
            probed.add(p.port());
            probes.add(new Verification.Probe(p.kind(), p.port(), "GET " + check.url() + " -> " + check.expectedStatus(),
                    true, p.evidence(), p.attempts(), p.elapsedMillis(), p.status(), p.body(), p.logExcerpt()));
        }
        if (!probed.containsAll(byPort.keySet())) {
            return Optional.empty();  // a check the run did not probe (it ended before its probes)
        }
        Verification.Run r = beside.run();
        Verification.Run run = new Verification.Run(r.ran(), r.error(), probes, r.logExcerpt(), r.missing(), r.opened(),
                r.written(), r.ended(), r.timedOut(), r.timings(), r.usage(), r.stops(), r.denied(), r.init());
        if (!run.passed() || r.timedOut()) {
            return Optional.empty();
        }
        Map<Integer, String> first = new LinkedHashMap<>(beside.firstBodies());
        Map<Integer, String> second = new LinkedHashMap<>(beside.secondBodies());
        first.keySet().retainAll(probed);
        second.keySet().retainAll(probed);
        return Optional.of(new SandboxRun.Outcome(run, first, second, beside.traces()));
    }

    /** A container of the wiring as the sandbox runs it: its image's configuration, the wiring's command and user. */
    private PodSpec.Member member(ContainerWiring c, Map<String, Pulled> results) {
        Pulled image = results.get(c.program());
        if (image == null) {
            throw new IllegalArgumentException("the wiring runs program " + c.program() + " but the build has no image for it");
        }
        RuntimeConfig config = RuntimeConfig.of(image.image().imageConfig(), c.user()).withLimits(options.limits());
        if (!c.command().isEmpty()) {
            config = config.withArgs(c.command());
        }
        List<PodSpec.Mount> mounts = new ArrayList<>();
        for (VolumeMount m : c.mounts()) {
            mounts.add(new PodSpec.Mount(m.volume(), m.path(), m.readOnly()));
        }
        return new PodSpec.Member(c.name(), image.fs(), config, mounts);
    }

    /** Places that live in memory and die with their container: what a program writes there is no lasting effect. */
    private static final List<String> MEMORY_PLACES = List.of("/tmp", "/run", "/var/run", "/dev/shm");

    /**
     * What each program that listens on nothing (its plan's probe is {@link Probe.Kind#RUNS}) must make in the result:
     * the files the source made in that program's writable places, outside the places that live in memory. In the
     * source every program wrote into one filesystem, so a file counts for each program that names its place.
     */
    static Map<String, List<String>> expectedWrites(MigrationPlan plan, Verification.Run source) {
        List<String> written = source.written().values().stream().flatMap(List::stream).distinct().sorted().toList();
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (ProgramPlan p : plan.programs()) {
            List<String> places = workerPlaces(p);
            List<String> mine = written.stream()
                    .filter(f -> places.stream().anyMatch(w -> f.startsWith(w.endsWith("/") ? w : w + "/"))).toList();
            if (!mine.isEmpty()) {
                out.put(p.name(), mine);
            }
        }
        return out;
    }

    /** The lasting places (not in memory) where a program that listens on nothing (probe RUNS) does its work. */
    static List<String> workerPlaces(ProgramPlan p) {
        if (p.probes().stream().noneMatch(x -> x.kind() == Probe.Kind.RUNS)) {
            return List.of();
        }
        return p.writablePlaces().stream().map(w -> w.path())
                .filter(w -> MEMORY_PLACES.stream().noneMatch(m -> w.equals(m) || w.startsWith(m + "/"))).toList();
    }

    static List<String> workerPlaces(MigrationPlan plan) {
        return plan.programs().stream().flatMap(p -> workerPlaces(p).stream()).distinct().sorted().toList();
    }

    /** Why the source's run is no reference: it lost processes to its memory or pids limit; null when it did not. */
    static String sourceLimits(Verification.Run source) {
        List<String> reached = new ArrayList<>();
        source.usage().forEach((container, usage) -> {
            for (String limit : new String[] {usage.memoryEvidence(), usage.pidsEvidence()}) {
                if (limit != null) {
                    reached.add(limit);
                }
            }
        });
        return reached.isEmpty() ? null : "the source reached " + String.join(" and ", reached)
                + ", so it did not run as it does unconfined (raise distill.verify.memory-bytes or pids if it needs more)";
    }

    /** Every TCP port a container of the pod declares, once, in order. */
    static List<Integer> tcpPorts(PodWiring pod) {
        return pod.containers().stream().flatMap(c -> c.ports().stream()).filter(p -> p.protocol() == Protocol.TCP)
                .map(ContainerPort::port).distinct().sorted().toList();
    }

    static List<Verification.Comparison> compare(SandboxRun.Outcome source, SandboxRun.Outcome result) {
        List<Verification.Comparison> out = new ArrayList<>();
        for (Verification.Probe s : source.run().probes()) {
            Verification.Probe r = find(result.run(), s.kind(), s.port());
            if (s.kind().equals("http") && s.status() == 0) {
                continue; // not an HTTP port: its TCP probe is the comparison
            }
            if (r == null) {
                out.add(new Verification.Comparison(s.kind(), s.port(), s.passed(), false, s.status(), 0, false, !s.passed(),
                        "the result was not probed"));
                continue;
            }
            if (!s.kind().equals("http")) {
                boolean matches = r.passed() || !s.passed();
                out.add(new Verification.Comparison(s.kind(), s.port(), s.passed(), r.passed(), 0, 0, false, matches,
                        matches ? "same outcome" : "the source passes, the result does not"));
                continue;
            }
            String first = source.firstBodies().get(s.port());
            String second = source.secondBodies().get(s.port());
            boolean deterministic = first != null && first.equals(second);
            boolean sameStatus = s.status() == r.status();
            String resultBody = result.firstBodies().get(s.port());
            boolean sameBody = !deterministic || first.equals(resultBody);
            String note;
            if (!sameStatus) {
                note = "status " + r.status() + " where the source answers " + s.status();
            } else if (!deterministic) {
                note = "same status; the source's body differs between two requests, so bodies are not compared";
            } else if (!sameBody) {
                note = "same status, different body: source '" + SandboxRun.clip(first, 200) + "', result '"
                        + SandboxRun.clip(resultBody, 200) + "'";
            } else {
                note = "same status and body";
            }
            out.add(new Verification.Comparison("http", s.port(), s.passed(), r.passed(), s.status(), r.status(),
                    deterministic, sameStatus && sameBody, note));
        }
        return out;
    }

    private static Verification.Probe find(Verification.Run run, String kind, int port) {
        return run.probes().stream().filter(p -> p.kind().equals(kind) && p.port() == port).findFirst().orElse(null);
    }

    /** Each program of the pod as the repair candidates need it: command, image, volumes, what it failed to open. */
    private static List<RepairCandidates.Program> programs(Request request, PodWiring pod, Map<String, Pulled> results,
            Verification.Run result) {
        List<RepairCandidates.Program> out = new ArrayList<>();
        for (ContainerWiring c : pod.containers()) {
            Pulled image = results.get(c.program());
            if (image == null) {
                continue;
            }
            ProgramPlan plan = request.plan().programs().stream().filter(p -> p.name().equals(c.program())).findFirst()
                    .orElse(null);
            List<String> command = !c.command().isEmpty() || plan == null ? c.command() : plan.command();
            List<String> env = !c.env().isEmpty() || plan == null ? c.env() : plan.env();
            Map<String, String> mounts = new LinkedHashMap<>();
            c.mounts().forEach(m -> mounts.put(Paths.normalize(m.path()), m.volume()));
            out.add(new RepairCandidates.Program(c.program(), command, RepairCandidates.Program.searchPath(env), image.fs(),
                    mounts, new TreeSet<>(result.missing().getOrDefault(c.program(), List.of()))));
        }
        return out;
    }

    /** Per program, what earlier repair rounds asked for (the build report lists what they carried). */
    private static Map<String, Map<String, Integer>> asked(BuildReport build) {
        Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
        for (BuildReport.Image image : build.images()) {
            for (RepairedFile f : image.repaired()) {
                out.computeIfAbsent(image.program(), p -> new LinkedHashMap<>()).merge(f.requested(), f.round(), Math::min);
            }
        }
        return out;
    }

    /** What the next round is asked to carry: the needed candidates no earlier round asked for, per program. */
    static Map<String, List<String>> toRepair(List<Verification.Candidate> candidates) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Verification.Candidate c : fresh(candidates)) {
            out.computeIfAbsent(c.program(), p -> new ArrayList<>()).add(c.path());
        }
        return out;
    }

    private static List<Verification.Candidate> fresh(List<Verification.Candidate> candidates) {
        return candidates.stream().filter(c -> c.need() == Verification.Need.NEEDED && c.askedInRound() == 0).toList();
    }

    /** At most ten paths per program, and how many more, with the bytes they add. */
    private static String summary(List<Verification.Candidate> candidates) {
        Map<String, List<String>> byProgram = new LinkedHashMap<>();
        long bytes = 0;
        for (Verification.Candidate c : candidates) {
            byProgram.computeIfAbsent(c.program(), p -> new ArrayList<>()).add(c.path());
            bytes += c.bytes();
        }
        List<String> parts = new ArrayList<>();
        byProgram.forEach((program, paths) -> parts.add(program + ": " + String.join(", ", paths.subList(0,
                Math.min(10, paths.size()))) + (paths.size() > 10 ? " and " + (paths.size() - 10) + " more" : "")));
        return candidates.size() + (candidates.size() == 1 ? " path" : " paths") + ", " + bytes + " bytes ("
                + String.join("; ", parts) + ")";
    }

    /** The verdict and its reasons (appended to {@code reasons}), by the rules in docs/verification.md. */
    static Verification.Verdict judge(Options options, Request request, List<Verification.ImageCheck> checks, Verification.Run result,
            String sourceError, List<Integer> ports, List<Verification.Comparison> comparisons,
            RepairCandidates.Found found, List<String> reasons) {
        List<String> failures = new ArrayList<>();
        for (Verification.ImageCheck c : checks) {
            c.staticChecks().failed().forEach(s -> failures.add(c.program() + ": static check " + s.name() + " failed: "
                    + s.findings().stream().limit(3).map(f -> f.path() + " " + f.reason()).toList()));
            c.structureTests().failed().forEach(s -> failures.add(c.program() + ": structure test '" + s.name()
                    + "' failed: " + s.message()));
        }
        if (result.error() != null) {
            failures.add("the result " + result.error());
        }
        for (Verification.Probe p : result.probes()) {
            if (!p.passed()) {
                failures.add("the result fails " + p.description() + ": " + p.evidence());
            }
        }
        if (result.timedOut()) {
            failures.add("the result was killed at the time limit of " + options.timeLimit().toSeconds() + " s");
        }
        // Each program on its own: one that ends with an error fails, and so does a server that ends at all; a program
        // that listens on nothing may finish its work and exit cleanly.
        result.ended().forEach((program, status) -> {
            boolean worker = request.plan().programs().stream().filter(p -> p.name().equals(program))
                    .anyMatch(p -> p.probes().stream().anyMatch(x -> x.kind() == Probe.Kind.RUNS));
            if (status != 0) {
                failures.add("program " + program + " ended before the run was over, with status " + status);
            } else if (!worker) {
                failures.add("program " + program + " ended (status 0) before the run was over, and it is not a program"
                        + " that finishes its work: it must keep running");
            }
        });
        result.usage().forEach((container, usage) -> {
            // Losing a process to the OOM killer or failing to fork is a malfunction, whatever the probes say.
            for (String limit : new String[] {usage.memoryEvidence(), usage.pidsEvidence()}) {
                if (limit != null) {
                    failures.add("the result's container " + container + " reached " + limit);
                }
            }
        });
        for (Verification.Comparison c : comparisons) {
            if (!c.matches() && c.resultPassed()) {
                failures.add("the result answers differently from the source on " + c.kind() + " " + c.port() + ": " + c.note());
            }
        }
        if (!failures.isEmpty()) {
            // Why it failed, where the sandbox saw it: a CPU limit it spun at, a stop signal it ignored, calls refused.
            // (Alone, none of them fails a result: a busy start is throttled, pid 1 may ignore SIGTERM by default.)
            result.usage().forEach((container, usage) -> {
                if (usage.cpuEvidence() != null) {
                    failures.add("the result's container " + container + " ran at " + usage.cpuEvidence());
                }
            });
            result.stops().forEach((container, stop) -> {
                if (stop.equals("KILLED")) {
                    failures.add("the result's container " + container + " did not end on its stop signal and was killed");
                }
            });
            result.denied().forEach((program, calls) -> failures.add("the result's program " + program
                    + " tried calls the sandbox refuses (seccomp profile or missing capability): " + String.join("; ", calls)));
        }
        if (!failures.isEmpty()) {
            reasons.addAll(failures);
            List<Verification.Candidate> needed = found.candidates().stream()
                    .filter(c -> c.need() == Verification.Need.NEEDED).toList();
            List<Verification.Candidate> fresh = fresh(needed);
            List<Verification.Candidate> again = needed.stream().filter(c -> c.askedInRound() > 0).toList();
            long others = found.candidates().size() - needed.size();
            String left = others == 0 ? "" : "; " + others + " more the result does without (harmless, provided at run"
                    + " time or written: see the candidates)";
            if (!fresh.isEmpty() && request.round() < options.maxRepairRounds()) {
                reasons.add("repair round " + (request.round() + 1) + " of " + options.maxRepairRounds()
                        + ": the source's programs used what the result lacks: " + summary(fresh) + left);
                reasons.addAll(found.notes());
                return Verification.Verdict.REPAIR;
            }
            if (!fresh.isEmpty()) {
                reasons.add("repair rounds exhausted (" + options.maxRepairRounds() + "); still missing: " + summary(fresh));
            } else if (!again.isEmpty()) {
                reasons.add("repair round " + request.round() + " added nothing new: still missing although asked for "
                        + "before: " + summary(again));
            } else if (request.round() > 0) {
                reasons.add("repair round " + request.round() + " added nothing new: the result lacks nothing else its"
                        + " source used" + left);
            } else {
                reasons.add("nothing to repair: the result lacks nothing its source used" + left);
            }
            reasons.addAll(found.notes());
            return Verification.Verdict.FAILED;
        }
        boolean effectsCompared = result.probes().stream().anyMatch(p -> p.kind().equals("writes") && p.passed());
        if (sourceError != null) {
            reasons.add("equivalence not established: " + sourceError);
        } else if (ports.isEmpty() && !effectsCompared) {
            reasons.add("equivalence not established: the result declares no TCP port to compare with the source");
        } else if (!ports.isEmpty() && comparisons.stream().noneMatch(c -> c.kind().equals("http"))) {
            reasons.add("equivalence not established: no port of the source answers HTTP; only connections were compared");
        }
        for (PlanNote w : Stream.concat(request.plan().warnings().stream(),
                request.plan().programs().stream().flatMap(p -> p.warnings().stream())).toList()) {
            reasons.add("the plan has a warning: " + w);
        }
        if (!reasons.isEmpty()) {
            return Verification.Verdict.NEEDS_REVIEW;
        }
        reasons.add("static checks, structure tests and probes pass, and every probe answers like the source"
                + (effectsCompared ? "; the programs that listen on nothing make the files their source makes" : ""));
        return Verification.Verdict.SUCCEEDED;
    }


    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
