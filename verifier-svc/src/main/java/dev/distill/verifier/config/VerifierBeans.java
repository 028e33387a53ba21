package dev.distill.verifier.config;

import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.verification.MigrationVerifier;
import dev.distill.engine.verification.PrivilegedRuns;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.pipeline.stage.VerifyImagesStep;
import dev.distill.engine.runtime.Confinement;
import dev.distill.engine.runtime.LayerTreeStore;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.service.ReportSettings;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
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
        if (settings.runner() == VerifySettings.Runner.SOCKET) {
            // The runner unpacks and mounts, so it keeps the layer trees (its --layer-trees): nothing here needs root.
            return new MigrationVerifier(registry, options, PrivilegedRuns.socket(Path.of(settings.runnerSocket()),
                    options.workRoot()));
        }
        if (settings.layerTreesMaxBytes() > 0) {
            Path trees = Path.of(settings.layerTreesDirectory().orElse(settings.workDir() + "/layer-trees"));
            try {
                options = options.withLayerTrees(LayerTreeStore.open(trees, settings.layerTreesMaxBytes()));
            } catch (IOException | RuntimeException e) {
                // Slower, not wrong: every run then unpacks its images in full, and its timings say so.
                LOG.warnf("no layer tree store in %s (%s): every container's image is unpacked in full", trees, e.getMessage());
            }
        }
        return new MigrationVerifier(registry, options, PrivilegedRuns.inProcess());
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
     * Verifications close their sandboxes and remove their directories after their verdicts: a stopping service lets
     * those under way end (what a killed one leaves, the next start's sweep removes).
     */
    void awaitCleanups(@Observes ShutdownEvent event, MigrationVerifier verifier) {
        try {
            if (!verifier.awaitCleanups(java.time.Duration.ofSeconds(30))) {
                LOG.warn("verifications' cleanups still under way at shutdown; the next start's sweep removes what they leave");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
