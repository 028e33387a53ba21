package dev.distill.verifier.config;

import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.verification.MigrationVerifier;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.pipeline.stage.VerifyImagesStep;
import dev.distill.service.ReportSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;

/** Builds the framework-free verification objects from configuration. */
@ApplicationScoped
public class VerifierBeans {

    @Produces
    @Singleton
    VerifyImagesStep verifyStep(RegistryClient registry, VerifySettings settings, ReportStore reports,
            ReportSettings reportSettings, Clock clock) {
        MigrationVerifier.Options options = new MigrationVerifier.Options(Path.of(settings.workDir()), settings.timeLimit(),
                new ResourceLimits(settings.memoryBytes(), settings.cpuMillis(), settings.pids()), settings.staysUp(),
                settings.probeDeadline(), settings.httpPath(), settings.expectedStatus(), settings.maxRepairRounds(),
                LayerLimits.defaults(), settings.logLines());
        DistillImageVerifier verifier = new DistillImageVerifier(new MigrationVerifier(registry, options),
                new StructureTestSource(settings.structureTests(), settings.structureTestsLabel(), registry));
        return new VerifyImagesStep(verifier, reports, reportSettings.maxBytes(), clock);
    }
}
