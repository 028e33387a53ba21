package dev.distill.builder.config;

import dev.distill.engine.assembly.BaseCatalog;
import dev.distill.engine.bake.StepBaker;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.assembly.TagScheme;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.runtime.Confinement;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.pipeline.stage.PodWiringGenerator;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.pipeline.stage.BuildImagesStep;
import dev.distill.pipeline.stage.RepairBuildStep;
import dev.distill.service.ReportSettings;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import org.jboss.logging.Logger;

/** Builds the framework-free assembly objects from configuration. */
@ApplicationScoped
public class BuilderBeans {

    private static final Logger LOG = Logger.getLogger(BuilderBeans.class);

    @Produces
    @Singleton
    BuildImagesStep buildStep(RegistryClient registry, BuildSettings settings, ReportStore reports,
            ReportSettings reportSettings, Clock clock, Confinement confinement) {
        LayerLimits limits = LayerLimits.defaults()
                .withMaxTotalUncompressedBytes(settings.maxUncompressedBytes())
                .withMaxEntries(settings.maxEntries());
        StepBaker.Options bake = StepBaker.Options.defaults(Path.of(settings.workDir()).resolve("bake"));
        bake = new StepBaker.Options(bake.workDir(), settings.bakeTimeLimit(), bake.limits(), settings.bakeMaxBytes(),
                bake.sandbox().withConfinement(confinement));
        ImageAssembler assembler = new ImageAssembler(registry, new BaseCatalog(settings.baseImages()),
                new TagScheme(settings.singleProgramTag(), settings.perProgramTag()), limits, settings.distillVersion(),
                Path.of(settings.workDir()), new StepBaker(bake));
        return new BuildImagesStep(registry::resolve, image -> BlobSource.registry(registry, image.pinnedReference()),
                assembler, new PodWiringGenerator(), reports, reportSettings.maxBytes(), clock);
    }

    @Produces
    @Singleton
    RepairBuildStep repairStep(BuildImagesStep build, ReportStore reports, ReportSettings reportSettings) {
        return new RepairBuildStep(build, reports, reportSettings.maxBytes());
    }

    /**
     * A builder killed while it baked leaves the sandbox of the source running: the next one to start removes it
     * (and leaves other live instances' sandboxes alone).
     */
    void sweepLeftovers(@Observes StartupEvent event, BuildSettings settings, Confinement confinement) {
        SweepReport swept = Sandbox.sweep(Path.of(settings.workDir()), Sandbox.Options.defaults().withConfinement(confinement));
        if (!swept.isEmpty()) {
            LOG.infof("work dir %s: %s", settings.workDir(), swept);
        }
    }
}
