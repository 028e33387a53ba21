package dev.distill.analyzer.config;

import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.image.Digest;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.BlobSource;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.pipeline.stage.AnalyzeImageStep;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.control.MigrationControl;
import dev.distill.pipeline.intake.MigrationIntake;
import dev.distill.pipeline.intake.RegistryNotificationParser;
import dev.distill.pipeline.intake.RepositoryFilter;
import dev.distill.pipeline.intake.SelfPushGuard;
import dev.distill.pipeline.status.MigrationStatusStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Builds the framework-free intake and registry objects from configuration. */
@ApplicationScoped
public class AnalyzerBeans {

    private static final Logger LOG = Logger.getLogger(AnalyzerBeans.class);

    @Produces
    @Singleton
    AnalyzeImageStep analyzeStep(RegistryClient registry, AnalysisSettings settings, ReportStore reports, Clock clock) {
        LayerLimits limits = LayerLimits.defaults()
                .withMaxTotalUncompressedBytes(settings.maxUncompressedBytes())
                .withMaxEntries(settings.maxEntries());
        ImageAnalyzer analyzer = new ImageAnalyzer(new ImageAnalyzer.Options(
                ImageAnalyzer.Options.defaults().maxElfBytes(), settings.configCacheBytes()));
        if (settings.cacheMaxBytes() > 0) {
            try {
                analyzer = analyzer.withCache(new DiskCache(Path.of(settings.cacheDir()), settings.cacheMaxBytes()));
                LOG.infof("layer facts cached in %s (at most %d bytes)", settings.cacheDir(), settings.cacheMaxBytes());
            } catch (IOException | RuntimeException e) {
                // Analyses still work without it, only slower: say so instead of failing the service.
                LOG.warnf("the layer facts cache %s cannot be used, analysing without it: %s", settings.cacheDir(), e.getMessage());
            }
        }
        return new AnalyzeImageStep(registry::resolve, image -> BlobSource.registry(registry, image.pinnedReference()),
                limits, analyzer, reports, clock);
    }

    @Produces
    @Singleton
    MigrationIntake intake(MigrationStatusStore status, EventPublisher publisher, RegistryClient registry, Clock clock,
            IntakeSettings settings) {
        MigrationIntake.DigestLookup lookup = reference -> currentDigest(registry, reference);
        return new MigrationIntake(status, publisher, lookup, clock, settings.catchUpTimeout());
    }

    /** At intake a failed look-up is not an error: the analyzer retries it and ends the migration with the reason. */
    private static Optional<Digest> currentDigest(RegistryClient registry, ImageReference reference) {
        try {
            return Optional.of(registry.headDigest(reference));
        } catch (RegistryException e) {
            LOG.infof("could not look up the digest of %s at intake: %s", reference, e.getMessage());
            return Optional.empty();
        }
    }

    @Produces
    @Singleton
    MigrationControl control(MigrationStatusStore status, EventPublisher publisher, Clock clock, IntakeSettings settings) {
        return new MigrationControl(status, publisher, clock, settings.catchUpTimeout());
    }

    @Produces
    @Singleton
    RegistryNotificationParser parser(IntakeSettings settings) {
        return settings.harborRegistryHost().map(RegistryNotificationParser::new).orElseGet(RegistryNotificationParser::new);
    }

    @Produces
    @Singleton
    RepositoryFilter repositoryFilter(IntakeSettings settings) {
        return new RepositoryFilter(settings.include().orElse(List.of()), settings.exclude().orElse(List.of()));
    }

    @Produces
    @Singleton
    SelfPushGuard selfPushGuard(IntakeSettings settings) {
        return new SelfPushGuard(settings.resultTagPattern(), settings.baseRepositoryPrefixes(), settings.userAgentPrefix());
    }
}
