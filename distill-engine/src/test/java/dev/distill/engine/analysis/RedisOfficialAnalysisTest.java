package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.Classification;
import dev.distill.engine.plan.OwnerFix;
import dev.distill.engine.plan.PrestartStep;
import dev.distill.engine.plan.ProgramPlan;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official images' entrypoint pattern on Debian's redis-server: evaluated for the user the script drops to, its
 * root-only branch falls away, its ownership fix becomes the owner of the carried data directory, and the umask it
 * sets, which no wiring can reproduce, is reported.
 */
class RedisOfficialAnalysisTest {

    private static AnalysisReport report;

    @BeforeAll
    static void analyse() throws Exception {
        report = Fixtures.analyse("redis-official");
    }

    @Test
    void theProgramRunsAsTheUserTheScriptDropsToInExecForm() {
        ProgramPlan redis = report.plan().programs().get(0);
        assertThat(report.plan().programs()).hasSize(1);
        assertThat(redis.command()).containsExactly("/usr/bin/redis-server");
        assertThat(redis.user()).isEqualTo("redis");
        assertThat(redis.accounts()).contains(new Account("redis", 999, "redis", 999, "/home/redis"));
        assertThat(report.plan().prestart().init()).isEmpty();
        assertThat(report.plan().prestart().baked()).isEmpty();
    }

    @Test
    void theRootOnlyOwnershipFixBecomesTheOwnerOfTheCarriedDataAndItsVolume() {
        PrestartStep find = report.plan().prestart().steps().get(0);
        assertThat(find.line()).isEqualTo(11);
        assertThat(find.action()).isEqualTo(PrestartStep.Action.IDENTITY);
        assertThat(find.ownership()).containsExactly(new OwnerFix("/data", true, 999, -1, "redis",
                "/usr/local/bin/docker-entrypoint.sh:11"));
        ProgramPlan redis = report.plan().programs().get(0);
        assertThat(redis.files()).filteredOn(f -> f.path().startsWith("/data")).isNotEmpty()
                .allSatisfy(f -> assertThat(f.uid()).as(f.path()).isEqualTo(999));
        assertThat(redis.writablePlaces()).anySatisfy(w -> {
            assertThat(w.path()).isEqualTo("/data");
            assertThat(w.uid()).isEqualTo(999);
        });
    }

    @Test
    void theUmaskThatCannotBeReproducedIsAWarningNamingTheLine() {
        PrestartStep umask = report.plan().prestart().steps().get(1);
        assertThat(umask.line()).isEqualTo(18);
        assertThat(umask.command()).containsExactly("umask", "0077");
        assertThat(report.classification()).isEqualTo(Classification.NEEDS_REVIEW);
        assertThat(report.plan().warnings()).singleElement().satisfies(w -> {
            assertThat(w.path()).isEqualTo("/usr/local/bin/docker-entrypoint.sh:18");
            assertThat(w.reason()).contains("umask").contains("0077");
        });
        assertThat(report.plan().blockers()).isEmpty();
    }
}
