package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.Platform;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.PlanNote;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.runtime.ResourceUsage;
import dev.distill.engine.structure.StructureTestReport;
import dev.distill.engine.structure.StructureTestResult;
import dev.distill.engine.verify.CheckFinding;
import dev.distill.engine.verify.StaticCheck;
import dev.distill.engine.verify.StaticReport;
import dev.distill.engine.wiring.ContainerImage;
import dev.distill.engine.wiring.ContainerPort;
import dev.distill.engine.wiring.ContainerWiring;
import dev.distill.engine.wiring.PodWiring;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict rules and the source/result comparison, on hand-made outcomes (no container runs here). */
class VerdictRulesTest {

    private static final MigrationVerifier.Options OPTIONS = MigrationVerifier.Options.defaults(Path.of("/tmp/unused"));
    private static final ImageCheckFixture CLEAN = new ImageCheckFixture();

    @Test
    void everythingPassingAndAnsweringLikeTheSourceSucceeds() {
        List<String> reasons = new ArrayList<>();
        Verification.Verdict v = judge(request(0, List.of()), List.of(CLEAN.passing()), passingRun(), null, List.of(8080),
                List.of(httpMatch(true)), List.of(), reasons);
        assertThat(v).isEqualTo(Verification.Verdict.SUCCEEDED);
    }

    @Test
    void withoutAPortOrASourceOrWithPlanWarningsItNeedsReviewAndSaysWhy() {
        List<String> reasons = new ArrayList<>();
        assertThat(judge(request(0, List.of()), List.of(CLEAN.passing()), passingRun(), null, List.of(), List.of(), List.of(),
                reasons)).isEqualTo(Verification.Verdict.NEEDS_REVIEW);
        assertThat(reasons).singleElement().asString().contains("no TCP port");

        reasons.clear();
        assertThat(judge(request(0, List.of()), List.of(CLEAN.passing()), passingRun(), "the source image could not be run: x",
                List.of(8080), List.of(), List.of(), reasons)).isEqualTo(Verification.Verdict.NEEDS_REVIEW);
        assertThat(reasons).singleElement().asString().contains("could not be run");

        reasons.clear();
        assertThat(judge(request(0, List.of(new PlanNote("/etc/x", null, "odd config"))), List.of(CLEAN.passing()),
                passingRun(), null, List.of(8080), List.of(httpMatch(true)), List.of(), reasons))
                .isEqualTo(Verification.Verdict.NEEDS_REVIEW);
        assertThat(reasons).singleElement().asString().contains("odd config");
    }

    @Test
    void aFailedCheckOrProbeOrADifferentAnswerFailsAndMissingSourceFilesAskForRepairWhileRoundsLast() {
        List<String> reasons = new ArrayList<>();
        assertThat(judge(request(0, List.of()), List.of(CLEAN.failingStatic()), passingRun(), null, List.of(8080),
                List.of(httpMatch(true)), List.of(), reasons)).isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).anyMatch(r -> r.contains("static check elf-dependencies failed"));

        reasons.clear();
        assertThat(judge(request(0, List.of()), List.of(CLEAN.passing()), passingRun(), null, List.of(8080),
                List.of(httpMatch(false)), List.of(), reasons)).isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).anyMatch(r -> r.contains("answers differently"));

        List<Verification.Candidate> candidates = List.of(candidate("/usr/lib/libx.so.1", Verification.Need.NEEDED, 0));
        reasons.clear();
        assertThat(judge(request(1, List.of()), List.of(CLEAN.passing()), failingRun(), null, List.of(8080), List.of(),
                candidates, reasons)).isEqualTo(Verification.Verdict.REPAIR);
        assertThat(reasons).anyMatch(r -> r.startsWith("repair round 2 of 2: ") && r.contains("1 path, 4096 bytes (app: /usr/lib/libx.so.1)"));
        reasons.clear();
        assertThat(judge(request(2, List.of()), List.of(CLEAN.passing()), failingRun(), null, List.of(8080), List.of(),
                candidates, reasons)).isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).anyMatch(r -> r.startsWith("repair rounds exhausted (2)"));
    }

    @Test
    void onlyNeededFilesNoRoundAskedForMakeARepairAndARoundThatAddsNothingNewEndsTheLoop() {
        List<String> reasons = new ArrayList<>();
        // the loader's cache and a volume's content are candidates, but nothing to carry
        List<Verification.Candidate> harmless = List.of(candidate("/etc/ld.so.cache", Verification.Need.HARMLESS, 0),
                candidate("/var/lib/app/db", Verification.Need.PROVIDED_AT_RUN_TIME, 0));
        assertThat(judge(request(0, List.of()), List.of(CLEAN.passing()), failingRun(), null, List.of(8080), List.of(),
                harmless, reasons)).isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).anyMatch(r -> r.startsWith("nothing to repair: the result lacks nothing its source used; 2 more"
                + " the result does without"));

        // round 1 carried what round 0 asked for, the result still fails and the source used nothing else
        reasons.clear();
        assertThat(judge(request(1, List.of()), List.of(CLEAN.passing()), failingRun(), null, List.of(8080), List.of(),
                List.of(), reasons)).isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).anyMatch(r -> r.startsWith("repair round 1 added nothing new: the result lacks nothing else"));

        // what round 1 asked for is still missing (the builder could not carry it): no round 2 for it
        reasons.clear();
        assertThat(judge(request(1, List.of()), List.of(CLEAN.passing()), failingRun(), null, List.of(8080), List.of(),
                List.of(candidate("/opt/x", Verification.Need.NEEDED, 1)), reasons)).isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).anyMatch(r -> r.startsWith("repair round 1 added nothing new: still missing although asked"
                + " for before: 1 path"));
        assertThat(MigrationVerifier.toRepair(List.of(candidate("/opt/x", Verification.Need.NEEDED, 1),
                candidate("/opt/y", Verification.Need.NEEDED, 0), candidate("/etc/localtime", Verification.Need.HARMLESS, 0))))
                .isEqualTo(Map.of("app", List.of("/opt/y")));

        // a result that passes is never repaired, whatever the candidates
        reasons.clear();
        assertThat(judge(request(0, List.of()), List.of(CLEAN.passing()), passingRun(), null, List.of(8080),
                List.of(httpMatch(true)), List.of(candidate("/opt/y", Verification.Need.NEEDED, 0)), reasons))
                .isEqualTo(Verification.Verdict.SUCCEEDED);
    }

    @Test
    void bodiesAreComparedOnlyWhenTheSourceAnswersTheSameTwice() {
        SandboxRun.Outcome stableSource = outcome(probe("http", 8080, true, 200, "hello"), "hello", "hello");
        SandboxRun.Outcome clockSource = outcome(probe("http", 8080, true, 200, "time 1"), "time 1", "time 2");
        SandboxRun.Outcome result = outcome(probe("http", 8080, true, 200, "time 3"), "time 3", "time 4");

        Verification.Comparison stable = MigrationVerifier.compare(stableSource, result).get(0);
        assertThat(stable.bodyCompared()).isTrue();
        assertThat(stable.matches()).isFalse();
        assertThat(stable.note()).contains("different body");

        Verification.Comparison clock = MigrationVerifier.compare(clockSource, result).get(0);
        assertThat(clock.bodyCompared()).isFalse();
        assertThat(clock.matches()).isTrue();

        SandboxRun.Outcome notFound = outcome(probe("http", 8080, false, 404, "no"), "no", "no");
        assertThat(MigrationVerifier.compare(stableSource, notFound).get(0).note()).isEqualTo("status 404 where the source answers 200");
    }

    /** A failure with no candidates says why no repair round follows: the source used nothing the result lacks. */
    private static final String NOTHING_TO_REPAIR = "nothing to repair: the result lacks nothing its source used";

    @Test
    void aResultThatLostAProcessToItsMemoryOrPidsLimitFailsNamingTheLimitEvenWhenItsProbesPass() {
        ResourceLimits limits = new ResourceLimits(64L << 20, 100, 64);
        ResourceUsage oom = new ResourceUsage(limits, 64L << 20, 1, 0, 30, 2, 10, 30, 3000);
        ResourceUsage forks = new ResourceUsage(limits, 1 << 20, 0, 33, 30, 2, 10, 30, 3000);
        List<String> reasons = new ArrayList<>();
        assertThat(judge(request(0, List.of()), List.of(CLEAN.passing()), sandboxed(passingRun(), Map.of("app", oom), Map.of(), Map.of()),
                null, List.of(8080), List.of(httpMatch(true)), List.of(), reasons)).isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).containsExactly("the result's container app reached its memory limit of 64.0 MiB: the kernel killed 1 "
                + "process for exceeding it (peak 64.0 MiB)", NOTHING_TO_REPAIR);

        reasons.clear();
        assertThat(judge(request(0, List.of()), List.of(CLEAN.passing()), sandboxed(passingRun(), Map.of("app", forks), Map.of(), Map.of()),
                null, List.of(8080), List.of(httpMatch(true)), List.of(), reasons)).isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).containsExactly("the result's container app reached its pids limit of 64 tasks: 33 forks were refused",
                NOTHING_TO_REPAIR);
    }

    @Test
    void aCpuLimitAnIgnoredStopSignalAndRefusedCallsExplainAFailureButDoNotCauseOne() {
        ResourceLimits limits = new ResourceLimits(64L << 20, 100, 64);
        ResourceUsage spinning = new ResourceUsage(limits, 1 << 20, 0, 0, 100, 90, 8000, 980, 10_000);
        Map<String, List<String>> denied = Map.of("app", List.of("unshare(CLONE_NEWUSER) = -1 EPERM"));
        List<String> reasons = new ArrayList<>();
        assertThat(judge(request(0, List.of()), List.of(CLEAN.passing()),
                sandboxed(passingRun(), Map.of("app", spinning), Map.of("app", "KILLED"), denied), null, List.of(8080),
                List.of(httpMatch(true)), List.of(), reasons)).isEqualTo(Verification.Verdict.SUCCEEDED);

        reasons.clear();
        assertThat(judge(request(0, List.of()), List.of(CLEAN.passing()),
                sandboxed(failingRun(), Map.of("app", spinning), Map.of("app", "KILLED"), denied), null, List.of(8080),
                List.of(), List.of(), reasons)).isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).containsExactly("the result fails tcp 8080: refused",
                "the result's container app ran at its CPU limit of 0.10 CPU: used 1.0 s of CPU in 10.0 s, 98% of its quota, "
                        + "throttled in 90 periods",
                "the result's container app did not end on its stop signal and was killed",
                "the result's program app tried calls the sandbox refuses (seccomp profile or missing capability): "
                        + "unshare(CLONE_NEWUSER) = -1 EPERM", NOTHING_TO_REPAIR);
        // A short busy start is no CPU limit reached: under a second, or a small share of the quota over the run.
        assertThat(new ResourceUsage(limits, 0, 0, 0, 5, 5, 400, 90, 900).cpuLimitReached()).isFalse();
        assertThat(new ResourceUsage(limits, 0, 0, 0, 100, 40, 400, 400, 10_000).cpuLimitReached()).isFalse();
    }

    @Test
    void aSourceThatReachedItsMemoryLimitIsNoReference() {
        ResourceUsage oom = new ResourceUsage(new ResourceLimits(64L << 20, 1000, 64), 64L << 20, 2, 0, 0, 0, 0, 0, 3000);
        String why = MigrationVerifier.sourceLimits(sandboxed(passingRun(), Map.of("source", oom), Map.of(), Map.of()));
        assertThat(why).startsWith("the source reached its memory limit of 64.0 MiB: the kernel killed 2 processes");
        assertThat(MigrationVerifier.sourceLimits(passingRun())).isNull();
        List<String> reasons = new ArrayList<>();
        assertThat(judge(request(0, List.of()), List.of(CLEAN.passing()), passingRun(), why, List.of(8080), List.of(httpMatch(true)),
                List.of(), reasons)).isEqualTo(Verification.Verdict.NEEDS_REVIEW);
        assertThat(reasons).singleElement().asString().startsWith("equivalence not established: the source reached its memory limit");
    }

    @Test
    void theReportIsPlainJson() throws Exception {
        Verification v = new Verification("r/app:1", "sha256:" + "a".repeat(64), 0, Verification.Verdict.FAILED,
                List.of("why"), List.of(CLEAN.failingStatic()), failingRun(), Verification.Run.notRun("no source"),
                List.of(httpMatch(true)), Map.of("app", List.of("/x")), List.of(candidate("/x", Verification.Need.NEEDED, 0)),
                List.of(new Verification.SourceProcess(7, "/app", List.of("/app"), false, List.of("app"), 1)), 1, 2,
                Verification.Timings.NONE);
        String json = new ObjectMapper().writeValueAsString(v);
        assertThat(new ObjectMapper().readTree(json).at("/images/0/staticChecks/checks/0/name").asText())
                .isEqualTo("elf-dependencies");
        assertThat(new ObjectMapper().readTree(json).at("/result/probes/0/evidence").asText()).isEqualTo("refused");
        assertThat(new ObjectMapper().readTree(json).at("/candidates/0/entries/0/bytes").asLong()).isEqualTo(4096);
        assertThat(new ObjectMapper().readTree(json).at("/candidates/0/need").asText()).isEqualTo("NEEDED");
    }

    @Test
    void aCommandsExitStatusIsReadFromStracesExitLineOfTheContainersInit() throws Exception {
        List<String> trace = List.of("4242 +++ exited with 5 +++",
                "4241 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4242, si_status=5} ---",
                "4241 +++ exited with 3 +++");
        assertThat(RuncCommandRunner.exitStatus(trace, 4241)).isEqualTo(3);
        assertThat(RuncCommandRunner.exitStatus(List.of("77 +++ killed by SIGKILL +++"), 77)).isEqualTo(137);
        // No line names the pid: a lone task is not prefixed, or the exec came from another thread; the last exit counts.
        assertThat(RuncCommandRunner.exitStatus(List.of("+++ exited with 2 +++"), 4241)).isEqualTo(2);
        assertThat(RuncCommandRunner.exitStatus(List.of("4250 +++ exited with 0 +++", "4251 +++ exited with 4 +++"), 4241))
                .isEqualTo(4);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RuncCommandRunner.exitStatus(List.of("4241 --- SIGCHLD"), 4241))
                .hasMessageContaining("no exit of pid 4241");
    }

    private static Verification.Verdict judge(MigrationVerifier.Request request, List<Verification.ImageCheck> checks,
            Verification.Run result, String sourceError, List<Integer> ports, List<Verification.Comparison> comparisons,
            List<Verification.Candidate> candidates, List<String> reasons) {
        return MigrationVerifier.judge(OPTIONS, request, checks, result, sourceError, ports, comparisons,
                new RepairCandidates.Found(candidates, List.of(), List.of()), reasons);
    }

    private static Verification.Candidate candidate(String path, Verification.Need need, int askedInRound) {
        return new Verification.Candidate("app", path, need, "test", List.of(new Verification.Entry(path, "REGULAR", 4096)),
                4096, List.of("pid 7 /app [/app]: read"), false, askedInRound);
    }

    private static MigrationVerifier.Request request(int round, List<PlanNote> warnings) {
        ContainerWiring c = new ContainerWiring("app", "app", new ContainerImage("r/app@sha256:" + "b".repeat(64), null),
                List.of("/app"), Identity.of(1000, 1000), "/", List.of(), List.of(ContainerPort.parse("8080/tcp")), "SIGTERM",
                List.of(), List.of());
        BuildReport build = new BuildReport(1, "r/app:1", "sha256:" + "a".repeat(64), "x", List.of(), null, 0, 0,
                new BuildReport.Wiring(new PodWiring("app", List.of(c), List.of(), List.of(), List.of()), "", ""));
        return new MigrationVerifier.Request(build, new MigrationPlan(List.of(), List.of(), warnings), Platform.LINUX_AMD64,
                Map.of(), round);
    }

    private static Verification.Run passingRun() {
        return run(probe("tcp", 8080, true, 0, null), probe("stays-up", 0, true, 0, null));
    }

    private static Verification.Run failingRun() {
        return run(probe("tcp", 8080, false, 0, null));
    }

    private static Verification.Run run(Verification.Probe... probes) {
        return new Verification.Run(true, null, List.of(probes), "", Map.of(), false, Verification.Timings.NONE);
    }

    private static Verification.Run sandboxed(Verification.Run run, Map<String, ResourceUsage> usage, Map<String, String> stops,
            Map<String, List<String>> denied) {
        return new Verification.Run(run.ran(), run.error(), run.probes(), run.logExcerpt(), run.missing(), run.opened(),
                run.written(), run.ended(), run.timedOut(), run.timings(), usage, stops, denied, List.of());
    }

    private static Verification.Probe probe(String kind, int port, boolean passed, int status, String body) {
        return new Verification.Probe(kind, port, kind + " " + port, passed, passed ? "ok" : "refused", 1, 1, status, body, "");
    }

    private static SandboxRun.Outcome outcome(Verification.Probe http, String first, String second) {
        return new SandboxRun.Outcome(run(http), Map.of(http.port(), first), Map.of(http.port(), second), Map.of());
    }

    private static Verification.Comparison httpMatch(boolean matches) {
        return new Verification.Comparison("http", 8080, true, true, 200, 200, true, matches, matches ? "same" : "different body");
    }

    /** Image checks that pass, or fail one static check. */
    private static final class ImageCheckFixture {
        Verification.ImageCheck passing() {
            return new Verification.ImageCheck("app", "r/app:1", new StaticReport(List.of(new StaticCheck("elf-dependencies",
                    true, List.of()))), new StructureTestReport(List.of(new StructureTestResult(
                    StructureTestResult.Kind.FILE_EXISTENCE, "no /bin/sh", StructureTestResult.Status.PASSED, "absent"))), 0);
        }

        Verification.ImageCheck failingStatic() {
            return new Verification.ImageCheck("app", "r/app:1", new StaticReport(List.of(new StaticCheck("elf-dependencies",
                    false, List.of(new CheckFinding("/app", null, "libx.so.1", "not found"))))), new StructureTestReport(List.of()), 0);
        }
    }
}
