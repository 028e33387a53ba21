package dev.distill.pipeline.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.budget.Budget;
import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerException;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.plan.Classification;
import dev.distill.engine.plan.PlanNote;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.progress.LayerReadProgress;
import dev.distill.engine.progress.ProgressListener;
import dev.distill.engine.registry.RegistryException;
import dev.distill.events.ImageAnalyzed;
import dev.distill.events.ImageResolved;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationRequested;
import dev.distill.events.ReportStored;
import dev.distill.events.Stage;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.reports.ReportKind;
import dev.distill.pipeline.reports.ReportStore;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The analysis stage: find the image in its registry, read its layers, analyse it, store the report where
 * every service can fetch it, and hand the plan on, or end the migration BLOCKED with the plan's reasons.
 */
public final class AnalyzeImageStep implements StageStep<MigrationRequested> {

    /** Finds an image for a platform; the registry client's {@code resolve}. */
    @FunctionalInterface
    public interface ImageResolver {
        ResolvedImage resolve(ImageReference reference, Platform platform) throws RegistryException;
    }

    /** Where the layer blobs of a resolved image are read from (its registry). */
    @FunctionalInterface
    public interface LayerBlobs {
        BlobSource of(ResolvedImage image);
    }

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final int REASONS_IN_SUMMARY = 3;

    private final ImageResolver registry;
    private final LayerBlobs blobs;
    private final LayerLimits limits;
    private final ImageAnalyzer analyzer;
    private final ReportStore reports;
    private final Clock clock;

    public AnalyzeImageStep(ImageResolver registry, LayerBlobs blobs, LayerLimits limits, ImageAnalyzer analyzer,
            ReportStore reports, Clock clock) {
        this.registry = registry;
        this.blobs = blobs;
        this.limits = limits;
        this.analyzer = analyzer;
        this.reports = reports;
        this.clock = clock;
    }

    @Override
    public List<MigrationEvent> perform(MigrationRequested input, EventPublisher progress) throws StageFailure {
        StageContext context = StageContext.of(progress, input.migrationId(), Stage.ANALYZE, clock);
        // What the work is doing, for the reason given should it run out of time.
        Budget.current().step("resolving " + input.image());
        ResolvedImage image = resolve(input);
        context.publish(toEvent(input.migrationId(), image));
        context.checkpoint("reading the layers");
        Budget.current().step("reading the layers of " + image.pinnedReference());
        AnalysisReport report;
        try (StageProgressReporter reporter = context.progress(0)) {
            report = analyse(image, reporter);
        }
        context.checkpoint("storing the analysis report");
        Budget.current().step("storing the analysis report");
        ReportStore.Stored stored = store(image, input.migrationId(), report);
        context.publish(new ReportStored(input.migrationId(), clock.instant(), Stage.ANALYZE, stored.location(),
                stored.digest(), report.classification().name()));
        if (report.classification() == Classification.BLOCKED) {
            throw StageFailure.blocked(blockedSummary(report));
        }
        context.checkpoint("handing the plan on");
        List<String> programs = report.plan().programs().stream().map(ProgramPlan::name).toList();
        return List.of(new ImageAnalyzed(input.migrationId(), clock.instant(), stored.location(), stored.digest(), programs));
    }

    ResolvedImage resolve(MigrationRequested input) throws StageFailure {
        ImageReference reference;
        Platform platform;
        try {
            reference = ImageReference.parse(input.image());
            if (input.digest() != null) {
                // Analyse exactly what was pushed, even if the tag has moved on since.
                reference = reference.withDigest(Digest.parse(input.digest()));
            }
            platform = Platform.parse(input.options().platform());
        } catch (IllegalArgumentException e) {
            throw StageFailure.failed("the request cannot be analysed: " + e.getMessage());
        }
        try {
            return registry.resolve(reference, platform);
        } catch (RegistryException e) {
            throw StageFailure.failed("cannot resolve " + reference + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the layers once, analysing while it reads (reporting layers and bytes read); a hostile or broken layer
     * fails with what is wrong.
     */
    private AnalysisReport analyse(ResolvedImage image, ProgressListener progress) throws StageFailure {
        AnalysisReport.Subject subject = new AnalysisReport.Subject(image.reference().toString(),
                image.manifestDigest().toString(), String.valueOf(image.platform()));
        LayerReadProgress layers = new LayerReadProgress(blobs.of(image), image.layers(), "read-layers", progress);
        layers.report();
        try {
            AnalysisReport report = analyzer.analyze(image.layers(), layers, limits, image.imageConfig(), subject, null);
            layers.finish();
            return report;
        } catch (LayerException e) {
            throw StageFailure.failed("cannot read the layers of " + image.pinnedReference() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw StageFailure.failed("cannot analyse " + image.pinnedReference() + ": " + e.getMessage(), e);
        }
    }

    private ReportStore.Stored store(ResolvedImage image, String migrationId, AnalysisReport report) throws StageFailure {
        try {
            return reports.put(ReportKind.ANALYSIS, image.pinnedReference(), migrationId, JSON.writeValueAsBytes(report));
        } catch (IOException | RegistryException e) {
            throw StageFailure.failed("the analysis finished but its report could not be stored: " + e.getMessage(), e);
        }
    }

    /** The first blockers, for the status API; the report has them all, with paths and layers. */
    static String blockedSummary(AnalysisReport report) {
        List<String> reasons = new ArrayList<>();
        report.plan().blockers().forEach(b -> reasons.add(describe(b)));
        for (ProgramPlan p : report.plan().programs()) {
            p.blockers().forEach(b -> reasons.add(p.name() + ": " + describe(b)));
        }
        if (reasons.isEmpty()) {
            reasons.add("the image runs no program Distill can identify");
        }
        String shown = String.join("; ", reasons.subList(0, Math.min(REASONS_IN_SUMMARY, reasons.size())));
        int more = reasons.size() - REASONS_IN_SUMMARY;
        return "the image cannot be migrated as it is: " + shown + (more > 0 ? " (and " + more + " more)" : "")
                + "; the analysis report lists every blocker";
    }

    private static String describe(PlanNote note) {
        return note.path() == null ? note.reason() : note.path() + ": " + note.reason();
    }

    private ImageResolved toEvent(String migrationId, ResolvedImage image) {
        ImageConfig c = image.imageConfig();
        ImageResolved.RuntimeConfig config = new ImageResolved.RuntimeConfig(c.entrypoint(), c.cmd(), c.user(), c.env(),
                c.exposedPorts(), c.workingDir(), c.stopSignal(), c.labels());
        List<ImageResolved.Layer> layers = image.layers().stream()
                .map((Descriptor d) -> new ImageResolved.Layer(d.digest().toString(), d.mediaType(), d.size()))
                .toList();
        return new ImageResolved(migrationId, clock.instant(), image.pushedDigest().toString(),
                image.manifestDigest().toString(), image.manifestMediaType(), String.valueOf(image.platform()), config, layers);
    }
}
