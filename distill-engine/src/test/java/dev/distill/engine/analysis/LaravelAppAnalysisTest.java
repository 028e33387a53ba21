package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.PrestartStep;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.WritablePlace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Laravel-shaped fixture (php-fpm, nginx, a queue worker and a scheduler under supervisord, an entrypoint with steps before
 * {@code exec "$@"}), analysed from its layers: every step decided with its line and why, the migration an init
 * program of its own, the image's VOLUME shared by everything that uses it.
 */
class LaravelAppAnalysisTest {

    private static AnalysisReport report;

    @BeforeAll
    static void analyse() throws Exception {
        report = Fixtures.analyse("laravel-app");
        Path out = Path.of("target/laravel-app-analysis.json");
        Files.createDirectories(out.getParent());
        new ObjectMapper().findAndRegisterModules().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
    }

    @Test
    void everyStepBeforeTheProgramIsDecidedWithItsLineAndWhy() {
        List<PrestartStep> steps = report.plan().prestart().steps();
        assertThat(steps).extracting(PrestartStep::line).containsExactly(7, 8, 9, 11, 12, 13, 14, 15);
        assertThat(steps).extracting(PrestartStep::action).containsExactly(PrestartStep.Action.BAKE,
                PrestartStep.Action.BAKE, PrestartStep.Action.BAKE, PrestartStep.Action.BAKE, PrestartStep.Action.BAKE,
                PrestartStep.Action.BAKE, PrestartStep.Action.BAKE, PrestartStep.Action.INIT);
        assertThat(steps).allSatisfy(s -> {
            assertThat(s.script()).isEqualTo("/usr/local/bin/docker-entrypoint.sh");
            assertThat(s.workingDir()).isEqualTo("/var/www/html");
            assertThat(s.user()).isEqualTo("0:0");
        });
        assertThat(steps.get(0).redirects()).extracting(PrestartStep.Redirect::target)
                .containsExactly("/var/www/html/.env.template", "/var/www/html/.env");
        assertThat(steps.get(0).reason()).contains("APP_GREETING=Welcome, distroless");
        assertThat(steps.get(3).reason()).contains("bootstrap/cache/config.php");
        assertThat(report.plan().prestart().shell()).isEqualTo("/bin/sh");
        assertThat(report.findings()).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/usr/local/bin/docker-entrypoint.sh");
            assertThat(f.line()).isEqualTo(15);
            assertThat(f.reason()).startsWith("run before each start: php artisan migrate --force");
        });
    }

    @Test
    void theMigrationIsAnInitProgramSharingTheDatabaseVolumeWithThePrograms() {
        MigrationPlan plan = report.plan();
        assertThat(plan.programs()).extracting(ProgramPlan::name).containsExactly("php-fpm", "nginx", "queue-worker",
                "scheduler");
        assertThat(plan.prestart().init()).singleElement().satisfies(init -> {
            assertThat(init.name()).isEqualTo("init-php-artisan-migrate");
            assertThat(init.command()).containsExactly("/usr/bin/php", "artisan", "migrate", "--force");
            assertThat(init.workingDir()).isEqualTo("/var/www/html");
            assertThat(init.role()).isEqualTo(dev.distill.engine.plan.ProgramRole.INIT);
            // The source ran it as root; the result runs it as the owner of the database's volume it writes.
            assertThat(init.runAs().spec()).isEqualTo("33:33");
            assertThat(init.runAsReason()).contains("/var/lib/app");
            assertThat(init.files()).extracting(CarriedFile::path).contains("/usr/bin/php8.2", "/var/www/html/artisan",
                    "/var/www/html/database/migrations/2024_01_01_000001_create_greetings_table.php");
            assertThat(init.writablePlaces()).anySatisfy(w -> {
                assertThat(w.path()).isEqualTo("/var/lib/app");
                assertThat(w.uid()).isEqualTo(33);
                assertThat(w.sharedWith()).contains("php-fpm", "queue-worker", "scheduler");
            });
        });
        for (ProgramPlan p : plan.programs()) {
            assertThat(p.writablePlaces()).extracting(WritablePlace::path).contains("/var/lib/app");
        }
        assertThat(plan.prestart().steps().get(7).initProgram()).isEqualTo("init-php-artisan-migrate");
    }
}
