package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.structure.DefaultSuite;
import dev.distill.engine.structure.StructureTestReport;
import dev.distill.engine.structure.StructureTestResult;
import dev.distill.engine.structure.StructureTestRunner;
import dev.distill.engine.structure.StructureTestSuite;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.verify.StaticCheck;
import dev.distill.engine.verify.StaticChecker;
import dev.distill.engine.verify.StaticReport;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the assembler pushes passes the verifier's static checks and the default structure suite of its plan,
 * read back from the registry: the contract between building and verifying, on the real fixtures.
 */
class BuiltImageChecksIT {

    private static AssemblyRig rig;
    private static LocalRegistry registry;
    private static RegistryClient client;

    @BeforeAll
    static void start() throws Exception {
        rig = AssemblyRig.get();
        registry = rig.registry;
        client = rig.client;
    }

    @Test
    void theMuslResultPassesTheStaticChecksAndItsDefaultSuite() throws Exception {
        checkEveryResultOf("fixtures/musl:1", 1);
    }

    @Test
    void thePhpFpmAndNginxResultsPassTheStaticChecksAndTheirDefaultSuites() throws Exception {
        checkEveryResultOf("fixtures/php:1", 2);
    }

    @Test
    void aBuildMissingTheProgramsLibraryIsCaughtByBothNamingProgramAndSoname() throws Exception {
        String reference = "fixtures/musl:1";
        AssemblyRig.Analysed analysed = rig.analyse(reference);
        ProgramPlan plan = analysed.plan().programs().get(0);
        // The deliberately broken build: the plan loses the library the program needs.
        ProgramPlan broken = plan.withFiles(
                plan.files().stream().filter(f -> !f.path().equals("/usr/local/lib/libgreet.so.1")).toList());
        ImageAssembler assembler = rig.assembler();
        ImageAssembler.ProgramImage image = assembler.publish(assembler.assemble(rig.source(analysed,
                new MigrationPlan(List.of(broken), List.of(), List.of()), "broken"))).get(0);
        ResolvedImage result = client.resolve(registry.reference("fixtures/musl:" + image.tag()), Platform.LINUX_AMD64);
        LayeredFileSystem fs = LayeredFileSystem.build(result, client, LayerLimits.defaults());

        StaticReport checks = new StaticChecker().check(fs, result.imageConfig());
        assertThat(checks.failed()).extracting(StaticCheck::name)
                .containsExactly(StaticChecker.ELF_DEPENDENCIES, StaticChecker.ENTRYPOINT);
        assertThat(checks.check(StaticChecker.ELF_DEPENDENCIES).orElseThrow().findings())
                .anySatisfy(f -> {
                    assertThat(f.path()).isEqualTo("/usr/local/bin/greeter");
                    assertThat(f.subject()).isEqualTo("libgreet.so.1");
                    assertThat(f.layer()).isEqualTo(result.layers().get(result.layers().size() - 1).digest().toString());
                });
        // The suite of the real plan expects the library.
        StructureTestReport tests = new StructureTestRunner(fs, result.imageConfig(), null)
                .run(DefaultSuite.from(plan, image.user()).suite());
        assertThat(tests.failed()).extracting(StructureTestResult::name)
                .containsExactly("carried /usr/local/lib/libgreet.so.1");
    }

    private static void checkEveryResultOf(String reference, int programs) throws Exception {
        AssemblyRig.Analysed analysed = rig.analyse(reference);
        AnalysisReport report = analysed.report();
        ImageAssembler assembler = rig.assembler();
        List<ImageAssembler.ProgramImage> images = assembler.publish(assembler.assemble(rig.source(analysed,
                report.plan(), analysed.image().reference().tag())));
        assertThat(images).hasSize(programs);
        for (ImageAssembler.ProgramImage image : images) {
            ResolvedImage result = client.resolve(registry.reference(reference.substring(0, reference.indexOf(':') + 1)
                    + image.tag()), Platform.LINUX_AMD64);
            LayeredFileSystem fs = LayeredFileSystem.build(result, client, LayerLimits.defaults());

            StaticReport checks = new StaticChecker().check(fs, result.imageConfig());
            assertThat(checks.failed()).as("%s: %s", image.program(), checks.failed()).isEmpty();

            ProgramPlan plan = report.plan().programs().stream().filter(p -> p.name().equals(image.program()))
                    .findFirst().orElseThrow();
            StructureTestSuite suite = DefaultSuite.from(plan, image.user()).suite();
            StructureTestReport tests = new StructureTestRunner(fs, result.imageConfig(), null).run(suite);
            assertThat(tests.failed()).as("%s: %s", image.program(), tests.failed()).isEmpty();
            assertThat(tests.count(StructureTestResult.Status.PASSED)).isEqualTo(suite.size());
        }
    }
}
