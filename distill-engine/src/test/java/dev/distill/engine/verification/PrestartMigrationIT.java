package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.assembly.BakedEntry;
import dev.distill.engine.assembly.BaseCatalog;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.assembly.TagScheme;
import dev.distill.engine.bake.StepBaker;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.DistrolessBases;
import dev.distill.engine.testing.FixtureImages;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.wiring.PodWiring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Laravel-shaped fixture through the engine as the pipeline runs it: analysed, its entrypoint's build-time steps
 * baked in a sandbox of the source, its migration built as an init image, wired, and verified beside its source under
 * runc. Needs root, runc, strace, nsenter and curl; runs with {@code -Pe2e}.
 */
class PrestartMigrationIT {

    private static LocalRegistry registry;
    private static RegistryClient client;
    private static BaseCatalog bases;
    private static Path work;

    @BeforeAll
    static void start(@TempDir Path temp) throws Exception {
        assumeTrue(MigrationVerifierIT.runnable(), "needs root, runc, strace, nsenter and curl");
        work = temp;
        registry = LocalRegistry.start();
        client = registry.client();
        DistrolessBases.push(client, registry.host(), temp.resolve("bases"));
        bases = new BaseCatalog(registry.host() + "/distill/{flavour}:{variant}");
        FixtureImages.push("laravel-app", registry.host() + "/fixtures/laravel:1");
        FixtureImages.push("redis-official", registry.host() + "/fixtures/redis:1");
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    /** A migration as the pipeline makes it: analysed, assembled (with a baker), published, wired as built. */
    private record Migration(AnalysisReport report, ImageAssembler.Assembly assembly, BuildReport build, PodWiring pod) {
        MigrationPlan plan() {
            return report.plan();
        }

        Verification verify(String name) throws Exception {
            Verification v = new MigrationVerifier(client, MigrationVerifier.Options.defaults(work.resolve("v")))
                    .verify(new MigrationVerifier.Request(build, plan(), Platform.LINUX_AMD64, Map.of(), 0));
            System.out.printf("%s: %s %s%n  init %s%n  result log:%n%s%n", name, v.verdict(), v.reasons(), v.result().init(),
                    v.result().logExcerpt());
            return v;
        }
    }

    private static Migration migrate(String reference) throws Exception {
        ResolvedImage source = client.resolve(registry.reference(reference), Platform.LINUX_AMD64);
        AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(source.layers(),
                BlobSource.registry(client, source.pinnedReference()), LayerLimits.defaults(), source.imageConfig(),
                new AnalysisReport.Subject(reference, source.pushedDigest().toString(), "linux/amd64"), null);
        MigrationPlan plan = report.plan();
        ImageAssembler assembler = new ImageAssembler(client, bases, TagScheme.defaults(), LayerLimits.defaults(), "test",
                Files.createDirectories(work.resolve("assembly")), new StepBaker(StepBaker.Options.defaults(work.resolve("bake"))));
        ImageAssembler.Assembly assembly = assembler.assemble(new ImageAssembler.Source(source,
                BlobSource.registry(client, source.pinnedReference()), "1", plan,
                (SurfaceResult) report.detections().get("surface")));
        List<ImageAssembler.ProgramImage> images = assembler.publish(assembly);
        Map<String, ImageReference> pushed = new LinkedHashMap<>();
        for (ImageAssembler.ProgramImage image : images) {
            ImageReference r = image.taggedReference();
            pushed.put(image.program(), new ImageReference(r.registry(), r.repository(), r.tag(), image.pushed().manifestDigest()));
        }
        PodWiring pod = PodWiring.fromPlan("app", ImageAssembler.asBuilt(plan), pushed);
        BuildReport build = BuildReport.of(source.reference().toString(), source.pushedDigest().toString(), "test",
                assembly, new BuildReport.Wiring(pod, "", ""));
        return new Migration(report, assembly, build, pod);
    }

    @Test
    void bakedStepsAndTheMigrationMakeTheResultAnswerLikeItsSource() throws Exception {
        Migration m = migrate("fixtures/laravel:1");
        BuildReport build = m.build();
        PodWiring pod = m.pod();
        // The builder: the baked files in every image whose application directory they are in, each with its step.
        BuildReport.Image fpm = build.images().stream().filter(i -> i.program().equals("php-fpm")).findFirst().orElseThrow();
        assertThat(fpm.baked()).extracting(BakedEntry::path).contains("/var/www/html/.env",
                "/var/www/html/bootstrap/cache/config.php", "/var/www/html/bootstrap/cache/routes-v7.php",
                "/var/www/html/public/storage", "/var/www/html/storage/framework/views");
        assertThat(fpm.baked()).filteredOn(b -> b.path().equals("/var/www/html/bootstrap/cache/config.php")).singleElement()
                .satisfies(b -> assertThat(b.step()).isEqualTo("/usr/local/bin/docker-entrypoint.sh:11 php artisan config:cache"));
        assertThat(fpm.baked()).filteredOn(b -> b.path().equals("/var/www/html/storage")).singleElement()
                .satisfies(b -> assertThat(b.uid()).isEqualTo(33));
        assertThat(build.images()).filteredOn(i -> i.role().equals("INIT")).singleElement()
                .satisfies(i -> assertThat(i.program()).isEqualTo("init-php-artisan-migrate"));
        assertThat(pod.initContainers()).singleElement()
                .satisfies(c -> assertThat(c.command()).containsExactly("/usr/bin/php", "artisan", "migrate", "--force"));

        Verification v = m.verify("laravel-app");
        assertThat(v.result().init()).singleElement().satisfies(i -> {
            assertThat(i.exitStatus()).as(i.logExcerpt()).isZero();
            assertThat(i.logExcerpt()).contains("Migrated: 2024_01_01_000001_create_greetings_table");
        });
        assertThat(v.images()).allSatisfy(c -> assertThat(c.structureTests().failed().stream()
                .map(r -> r.name() + ": " + r.message()).toList()).as(c.program()).isEmpty());
        assertThat(v.result().probes()).filteredOn(p -> p.kind().equals("http")).singleElement().satisfies(p -> {
            assertThat(p.body()).contains("Hello from the database").contains("2 migrations applied")
                    .contains("Configuration cached, routes cached");
        });
        assertThat(v.comparisons()).allSatisfy(c -> assertThat(c.matches()).as(c.note()).isTrue());
        assertThat(v.verdict()).as("%s", v.reasons()).isEqualTo(Verification.Verdict.SUCCEEDED);
    }

    @Test
    void theOfficialPatternRunsAsTheUserItDropsToAndTheUmaskIsForReview() throws Exception {
        Migration m = migrate("fixtures/redis:1");
        BuildReport.Image redis = m.build().images().get(0);
        assertThat(redis.user()).isEqualTo("999:999");
        assertThat(redis.changes()).anySatisfy(c -> {
            assertThat(c.path()).isEqualTo("/data/README");
            assertThat(c.what()).contains("owner 0:0 -> 999:0").contains("docker-entrypoint.sh:11");
        });
        assertThat(m.pod().volumes()).anySatisfy(vol -> {
            assertThat(vol.uid()).isEqualTo(999);
            assertThat(m.pod().containers().get(0).mounts()).anySatisfy(mt -> assertThat(mt.path()).isEqualTo("/data"));
        });

        Verification v = m.verify("redis-official");
        assertThat(v.images()).allSatisfy(c -> assertThat(c.structureTests().failed().stream()
                .map(r -> r.name() + ": " + r.message()).toList()).as(c.program()).isEmpty());
        assertThat(v.comparisons()).filteredOn(c -> c.kind().equals("tcp")).singleElement()
                .satisfies(c -> assertThat(c.matches()).isTrue());
        assertThat(v.verdict()).as("%s", v.reasons()).isEqualTo(Verification.Verdict.NEEDS_REVIEW);
        assertThat(v.reasons()).anySatisfy(r -> assertThat(r).contains("umask").contains("docker-entrypoint.sh:18"));
    }
}
