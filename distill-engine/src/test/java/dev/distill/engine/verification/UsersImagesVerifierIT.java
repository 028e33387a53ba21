package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.assembly.BaseCatalog;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.assembly.FileChange;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.assembly.TagScheme;
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
 * The users' images (fixtures/debian-apt-php, fixtures/php-official) through analysis, assembly and verification
 * against a registry of their own, without the local stack: each must succeed in its first round, without the
 * verifier's repair, and answer like its source. UsersImagesIT in e2e-tests runs the same images through the
 * services in CI; this one (3 minutes) runs only when asked for, {@code -Ddistill.it.usersImages=true}, to keep CI
 * within its time: for a developer without the local stack, or to see the first round's verdict alone.
 * Needs root, runc, strace, nsenter and curl; runs with {@code -Pe2e}.
 */
class UsersImagesVerifierIT {

    private static LocalRegistry registry;
    private static RegistryClient client;
    private static BaseCatalog bases;
    private static Path work;

    @BeforeAll
    static void start(@TempDir Path temp) throws Exception {
        assumeTrue(Boolean.getBoolean("distill.it.usersImages"), "runs on request: -Ddistill.it.usersImages=true");
        assumeTrue(MigrationVerifierIT.runnable(), "needs root, runc, strace, nsenter and curl");
        work = temp;
        registry = LocalRegistry.start();
        client = registry.client();
        DistrolessBases.push(client, registry.host(), temp.resolve("bases"));
        bases = new BaseCatalog(registry.host() + "/distill/{flavour}:{variant}");
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aptInstalledPhpNginxAndSupervisorSucceedsInItsFirstRound() throws Exception {
        FixtureImages.push("debian-apt-php", registry.host() + "/users/debian-apt-php:1");
        Verification v = verify("users/debian-apt-php:1", "debian-apt-php");

        assertThat(v.verdict()).as("%s%n%s", v.reasons(), v.result().logExcerpt()).isEqualTo(Verification.Verdict.SUCCEEDED);
        assertThat(v.result().probes()).filteredOn(p -> p.kind().equals("http")).singleElement()
                .satisfies(p -> assertThat(p.body()).startsWith("Hello from PHP 8.2"));
        assertThat(v.comparisons()).allSatisfy(c -> assertThat(c.matches()).isTrue());
    }

    @Test
    void theOfficialPhpLayoutSucceedsInItsFirstRound() throws Exception {
        FixtureImages.push("php-official", registry.host() + "/users/php-official:1");
        Verification v = verify("users/php-official:1", "php-official");

        assertThat(v.verdict()).as("%s%n%s", v.reasons(), v.result().logExcerpt()).isEqualTo(Verification.Verdict.SUCCEEDED);
        assertThat(v.result().probes()).filteredOn(p -> p.kind().equals("http")).singleElement()
                .satisfies(p -> assertThat(p.body()).startsWith("Hello from PHP 8.2").contains("/usr/local/etc/php/php.ini")
                        .contains("/usr/local/lib/php/extensions/no-debug-non-zts-"));
        assertThat(v.comparisons()).allSatisfy(c -> assertThat(c.matches()).isTrue());
    }

    private static Verification verify(String reference, String name) throws Exception {
        ResolvedImage source = client.resolve(registry.reference(reference), Platform.LINUX_AMD64);
        AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(source.layers(),
                BlobSource.registry(client, source.pinnedReference()), LayerLimits.defaults(), source.imageConfig(),
                new AnalysisReport.Subject(reference, source.pushedDigest().toString(), "linux/amd64"), null);
        MigrationPlan plan = report.plan();
        ImageAssembler assembler = new ImageAssembler(client, bases, TagScheme.defaults(), LayerLimits.defaults(), "test",
                Files.createDirectories(work.resolve(name + "-assembly")));
        ImageAssembler.Assembly assembly = assembler.assemble(new ImageAssembler.Source(source,
                BlobSource.registry(client, source.pinnedReference()), source.reference().tag(), plan,
                (SurfaceResult) report.detections().get("surface")));
        List<ImageAssembler.ProgramImage> images = assembler.publish(assembly);
        // The plan carries the run-as identity the builder used: the wiring and the verifier take it as planned.
        MigrationPlan asBuilt = plan;
        Map<String, ImageReference> pushed = new LinkedHashMap<>();
        for (ImageAssembler.ProgramImage image : images) {
            ImageReference r = image.taggedReference();
            pushed.put(image.program(), new ImageReference(r.registry(), r.repository(), r.tag(), image.pushed().manifestDigest()));
            image.changes().stream().map(FileChange::toString).forEach(c -> System.out.println(name + " " + image.program() + ": " + c));
        }
        BuildReport build = BuildReport.of(source.reference().toString(), source.pushedDigest().toString(), "test", assembly,
                new BuildReport.Wiring(PodWiring.fromPlan("app", asBuilt, pushed), "", ""));
        MigrationVerifier verifier = new MigrationVerifier(client, MigrationVerifier.Options.defaults(work.resolve(name + "-v")));
        Verification v = verifier.verify(new MigrationVerifier.Request(build, plan, Platform.LINUX_AMD64, Map.of(), 0));
        verifier.awaitCleanups(java.time.Duration.ofMinutes(1));  // its sandboxes' mounts go before the test's directory
        System.out.printf("%s: %s %s; %d ms; result %d vs source %d bytes; repair candidates %s%n", name, v.verdict(), v.reasons(),
                v.timings().totalMillis(), v.resultSize(), v.sourceSize(), v.repairCandidates());
        return v;
    }
}
