package dev.distill.verifier.config;

import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.verification.MigrationVerifier;
import dev.distill.engine.verification.PrivilegedRuns;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.pipeline.stage.VerifyImagesStep;
import dev.distill.engine.runtime.Confinement;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.service.ReportSettings;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import org.jboss.logging.Logger;

/** Builds the framework-free verification objects from configuration. */
@ApplicationScoped
public class VerifierBeans {

    private static final Logger LOG = Logger.getLogger(VerifierBeans.class);

    @Produces
    @Singleton
    MigrationVerifier migrationVerifier(RegistryClient registry, VerifySettings settings, Confinement confinement) {
        MigrationVerifier.Options options = new MigrationVerifier.Options(Path.of(settings.workDir()), settings.timeLimit(),
                new ResourceLimits(settings.memoryBytes(), settings.cpuMillis(), settings.pids()), settings.staysUp(),
                settings.probeDeadline(), settings.httpPath(), settings.expectedStatus(), settings.maxRepairRounds(),
                LayerLimits.defaults(), settings.logLines(), confinement);
        PrivilegedRuns runs = settings.runner() == VerifySettings.Runner.SOCKET
                ? PrivilegedRuns.socket(Path.of(settings.runnerSocket()), options.workRoot())
                : PrivilegedRuns.inProcess();
        return new MigrationVerifier(registry, options, runs);
    }

    @Produces
    @Singleton
    VerifyImagesStep verifyStep(MigrationVerifier migrationVerifier, RegistryClient registry, VerifySettings settings,
            ReportStore reports, ReportSettings reportSettings, Clock clock) {
        DistillImageVerifier verifier = new DistillImageVerifier(migrationVerifier,
                new StructureTestSource(settings.structureTests(), settings.structureTestsLabel(), registry));
        return new VerifyImagesStep(verifier, reports, reportSettings.maxBytes(), clock);
    }

    /**
     * A verifier killed mid-run leaves its containers running, with their cgroups and work directories: the next
     * one to start on this work root removes them (and leaves other live instances' work alone).
     */
    void sweepLeftovers(@Observes StartupEvent event, MigrationVerifier verifier) {
        SweepReport swept = verifier.sweep();
        if (!swept.isEmpty()) {
            LOG.infof("work root %s: %s", verifier.options().workRoot(), swept);
        }
        LOG.infof("containers run %s, under %s", verifier.runs(),
                verifier.runs() == PrivilegedRuns.inProcess() ? verifier.options().confinement() : "the runner's confinement");
    }
}
