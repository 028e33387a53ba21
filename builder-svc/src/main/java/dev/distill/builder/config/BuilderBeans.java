package dev.distill.builder.config;

import dev.distill.engine.assembly.BaseCatalog;
import dev.distill.engine.bake.StepBaker;
import dev.distill.engine.cache.DiskCache;
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
import dev.distill.service.PipelineInfrastructure;
import java.io.IOException;
import java.io.UncheckedIOException;
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
            ReportSettings reportSettings, Clock clock, Confinement confinement,
            PipelineInfrastructure infrastructure) {
        LayerLimits limits = LayerLimits.defaults()
                .withMaxTotalUncompressedBytes(settings.maxUncompressedBytes())
                .withMaxEntries(settings.maxEntries());
        // Containers and mounts a killed builder's bake left go first (runc delete, umount): the instance directory
        // claim below then removes only plain files.
        sweep(settings, confinement);
        Path work = workDirectory(infrastructure, settings);
        // Bakes work in this instance's directory too: what a crashed builder's bake left is removed with it.
        StepBaker.Options bake = StepBaker.Options.defaults(work.resolve("bake"));
        bake = new StepBaker.Options(bake.workDir(), settings.bakeTimeLimit(), bake.limits(), settings.bakeMaxBytes(),
                bake.sandbox().withConfinement(confinement));
        ImageAssembler assembler = new ImageAssembler(registry, new BaseCatalog(settings.baseImages()),
                new TagScheme(settings.singleProgramTag(), settings.perProgramTag()), limits, settings.distillVersion(),
                work, new StepBaker(bake), cache(settings));
        return new BuildImagesStep(registry::resolve, image -> BlobSource.registry(registry, image.pinnedReference()),
                assembler, new PodWiringGenerator(), reports, reportSettings.maxBytes(), clock);
    }

    /** The cache of source layers and built layers; none (builds read and write everything) when off or unusable. */
    private static DiskCache cache(BuildSettings settings) {
        if (settings.cacheMaxBytes() <= 0) {
            return null;
        }
        try {
            DiskCache cache = new DiskCache(Path.of(settings.cacheDir()), settings.cacheMaxBytes());
            LOG.infof("source and built layers cached in %s (at most %d bytes)", settings.cacheDir(), settings.cacheMaxBytes());
            return cache;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("the layer cache %s cannot be used, building without it: %s", settings.cacheDir(), e.getMessage());
            return null;
        }
    }

    /** This instance's own directory under the work root; what crashed builders left there is removed first. */
    private static Path workDirectory(PipelineInfrastructure infrastructure, BuildSettings settings) {
        try {
            return infrastructure.workDirectory(Path.of(settings.workDir()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the build work directory under " + settings.workDir(), e);
        }
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
        sweep(settings, confinement);
    }

    private static void sweep(BuildSettings settings, Confinement confinement) {
        SweepReport swept = Sandbox.sweep(Path.of(settings.workDir()), Sandbox.Options.defaults().withConfinement(confinement));
        if (!swept.isEmpty()) {
            LOG.infof("work dir %s: %s", settings.workDir(), swept);
        }
    }
}
