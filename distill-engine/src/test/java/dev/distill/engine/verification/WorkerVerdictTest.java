package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.Platform;
import dev.distill.engine.plan.BaseChoice;
import dev.distill.engine.plan.BaseImage;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.Probe;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.ProgramRole;
import dev.distill.engine.plan.WritablePlace;
import dev.distill.engine.structure.StructureTestReport;
import dev.distill.engine.verify.StaticReport;
import dev.distill.engine.wiring.ContainerImage;
import dev.distill.engine.wiring.ContainerWiring;
import dev.distill.engine.wiring.PodWiring;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Programs that listen on nothing, judged by what they do: the files their source made that they must make too, a
 * worker that ends cleanly against one that ends with an error, and a server that ends at all.
 */
class WorkerVerdictTest {

    private static final MigrationVerifier.Options OPTIONS = MigrationVerifier.Options.defaults(Path.of("/tmp/unused"));

    private static ProgramPlan program(String name, List<Probe> probes, String... places) {
        List<WritablePlace> writable = new ArrayList<>();
        for (String p : places) {
            writable.add(new WritablePlace(p, 33, 33, 0755, "test", List.of()));
        }
        return new ProgramPlan(name, List.of("/usr/bin/php", "/srv/app/artisan"), "www-data", "/srv/app", List.of(),
                List.of(), "SIGTERM", new BaseChoice(BaseImage.BASE, "test"), List.of(), List.of(), writable, List.of(),
                List.of(), "php-cli", ProgramRole.SERVICE, Identity.of(33, 33), "test", probes);
    }

    private static final MigrationPlan PLAN = new MigrationPlan(List.of(
            program("worker", List.of(Probe.runs()), "/srv/app/storage", "/tmp/worker"),
            program("web", List.of(new Probe(Probe.Kind.HTTP, 8080, "/")), "/srv/app/cache")), List.of(), List.of());

    @Test
    void theWorkerMustMakeWhatTheSourceMadeInItsLastingPlacesOnly() {
        Verification.Run source = run(List.of(), Map.of("source", List.of("/srv/app/storage/done/1.txt",
                "/srv/app/cache/page.html", "/tmp/worker/scratch", "/run/supervisord.pid", "/srv/app/storage")), Map.of());
        assertThat(MigrationVerifier.expectedWrites(PLAN, source))
                .containsOnly(Map.entry("worker", List.of("/srv/app/storage/done/1.txt")));
        assertThat(MigrationVerifier.workerPlaces(PLAN)).containsExactly("/srv/app/storage");
    }

    @Test
    void workersThatMakeWhatTheirSourceMadeEstablishEquivalenceWithoutAPort() {
        List<String> reasons = new ArrayList<>();
        Verification.Run result = run(List.of(writes(true), stays()), Map.of(), Map.of());
        assertThat(judge(result, reasons)).as("%s", reasons).isEqualTo(Verification.Verdict.SUCCEEDED);
        assertThat(reasons).singleElement().asString().contains("make the files their source makes");

        reasons.clear();
        assertThat(judge(run(List.of(writes(false), stays()), Map.of(), Map.of()), reasons))
                .isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).anySatisfy(r -> assertThat(r).contains("did not make"));
    }

    @Test
    void aWorkerMayFinishCleanlyButNotWithAnErrorAndAServerMayNotEndAtAll() {
        List<String> reasons = new ArrayList<>();
        assertThat(judge(run(List.of(writes(true), stays()), Map.of(), Map.of("worker", 0)), reasons))
                .isEqualTo(Verification.Verdict.SUCCEEDED);

        reasons.clear();
        assertThat(judge(run(List.of(writes(true), stays()), Map.of(), Map.of("worker", 1)), reasons))
                .isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).anySatisfy(r -> assertThat(r).contains("program worker ended").contains("status 1"));

        reasons.clear();
        assertThat(judge(run(List.of(writes(true), stays()), Map.of(), Map.of("web", 0)), reasons))
                .isEqualTo(Verification.Verdict.FAILED);
        assertThat(reasons).anySatisfy(r -> assertThat(r).contains("program web ended (status 0)").contains("keep running"));
    }

    private static Verification.Verdict judge(Verification.Run result, List<String> reasons) {
        ContainerWiring c = new ContainerWiring("worker", "worker", new ContainerImage("r/app@sha256:" + "b".repeat(64), null),
                List.of("/usr/bin/php"), Identity.of(33, 33), "/", List.of(), List.of(), "SIGTERM", List.of(), List.of());
        BuildReport build = new BuildReport(1, "r/app:1", "sha256:" + "a".repeat(64), "x", List.of(), null, 0, 0,
                new BuildReport.Wiring(new PodWiring("app", List.of(c), List.of(), List.of(), List.of()), "", ""));
        MigrationVerifier.Request request = new MigrationVerifier.Request(build, PLAN, Platform.LINUX_AMD64, Map.of(), 0);
        Verification.ImageCheck clean = new Verification.ImageCheck("worker", "r/app:1", new StaticReport(List.of()),
                new StructureTestReport(List.of()), 0);
        return MigrationVerifier.judge(OPTIONS, request, List.of(clean), result, null, List.of(), List.of(),
                new RepairCandidates.Found(List.of(), List.of(), List.of()), reasons);
    }

    private static Verification.Run run(List<Verification.Probe> probes, Map<String, List<String>> written,
            Map<String, Integer> ended) {
        return new Verification.Run(true, null, probes, "", Map.of(), Map.of(), written, ended, false,
                Verification.Timings.NONE);
    }

    private static Verification.Probe writes(boolean passed) {
        return new Verification.Probe("writes", 0, "worker makes the 1 files its source makes", passed,
                passed ? "made all of [/srv/app/storage/done/1.txt]" : "did not make [/srv/app/storage/done/1.txt]", 1, 1, 0,
                null, "");
    }

    private static Verification.Probe stays() {
        return new Verification.Probe("stays-up", 0, "stays up", true, "running", 1, 1, 0, null, "");
    }
}
