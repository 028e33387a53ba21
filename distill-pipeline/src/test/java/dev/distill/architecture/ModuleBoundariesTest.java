package dev.distill.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the shared modules framework-free and layered: events know nothing else of Distill, the engine knows
 * nothing of the pipeline, and no package cycles anywhere. The services' wiring may use Quarkus; these may not.
 */
class ModuleBoundariesTest {

    private static JavaClasses shared;

    @BeforeAll
    static void importSharedModules() {
        shared = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.distill.events", "dev.distill.engine", "dev.distill.pipeline");
    }

    @Test
    void theSharedModulesNeverDependOnQuarkusOrCdi() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "io.quarkus..", "jakarta..", "io.smallrye..", "org.eclipse.microprofile..", "io.vertx..")
                .because("the engine and the pipeline logic must be usable and testable without a framework")
                .check(shared);
    }

    @Test
    void eventsAreTheBottomLayer() {
        noClasses().that().resideInAPackage("dev.distill.events..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.distill.engine..", "dev.distill.pipeline..")
                .check(shared);
    }

    @Test
    void theImageEngineKnowsNothingOfThePipeline() {
        noClasses().that().resideInAPackage("dev.distill.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.distill.events..", "dev.distill.pipeline..")
                .check(shared);
    }

    @Test
    void thereAreNoPackageCycles() {
        slices().matching("dev.distill.(*)..").should().beFreeOfCycles().check(shared);
        slices().matching("dev.distill.engine.(*)..").should().beFreeOfCycles().check(shared);
        slices().matching("dev.distill.pipeline.(*)..").should().beFreeOfCycles().check(shared);
    }
}
