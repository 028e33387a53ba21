package dev.distill.pipeline.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.budget.Budget;
import dev.distill.engine.assembly.AssemblyException;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.assembly.LeftBehind;
import dev.distill.engine.assembly.PackageSurface;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.LayerException;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.progress.LayerReadProgress;
import dev.distill.engine.progress.ProgressListener;
import dev.distill.engine.registry.RegistryException;
import dev.distill.events.ImageAnalyzed;
import dev.distill.events.ImageBuilt;
import dev.distill.events.MigrationEvent;
import dev.distill.events.ReportStored;
import dev.distill.events.Stage;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.reports.ReportKind;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.pipeline.stage.AnalyzeImageStep.ImageResolver;
import dev.distill.pipeline.stage.AnalyzeImageStep.LayerBlobs;
import java.io.IOException;
import java.time.Clock;
import java.util.List;

/**
 * The build stage: fetch the analysis report, build one distroless image per program of its plan (pushed
 * untagged), store the build report with the wiring, then tag the images and hand them on. Every failure before
 * the tags are set leaves the result tags untouched, so nobody pulls a half-built result.
 */
public final class BuildImagesStep implements StageStep<ImageAnalyzed> {

    /** Generates the pod description and its Kubernetes and compose renderings for the built images. */
    @FunctionalInterface
    public interface WiringGenerator {
        BuildReport.Wiring wire(MigrationPlan plan, List<ImageAssembler.ProgramImage> images);
    }

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    private final ImageResolver registry;
    private final LayerBlobs blobs;
    private final ImageAssembler assembler;
    private final WiringGenerator wiring;
    private final ReportStore reports;
    private final int maxReportBytes;
    private final Clock clock;

    public BuildImagesStep(ImageResolver registry, LayerBlobs blobs, ImageAssembler assembler, WiringGenerator wiring,
            ReportStore reports, int maxReportBytes, Clock clock) {
        this.registry = registry;
        this.blobs = blobs;
        this.assembler = assembler;
        this.wiring = wiring;
        this.reports = reports;
        this.maxReportBytes = maxReportBytes;
        this.clock = clock;
    }

    @Override
    public List<MigrationEvent> perform(ImageAnalyzed input, EventPublisher progress) throws StageFailure {
        return List.of(build(input.migrationId(), input.reportLocation(), input.reportDigest(), List.of(), 0, null, progress));
    }

    /**
     * Builds, stores the report, tags: the first build (round 0, no repairs) or a repair round.
     *
     * @param repairs what every repair round so far asked for, carried in addition to the plan's files
     */
    ImageBuilt build(String migrationId, String analysisLocation, String analysisDigest, List<ImageAssembler.Repair> repairs,
            int round, String previousVerification, EventPublisher progress) throws StageFailure {
        StageContext context = StageContext.of(progress, migrationId, Stage.BUILD, clock);
        Budget budget = Budget.current();
        budget.step("reading the analysis report " + analysisLocation);
        Analysis analysis = readAnalysis(analysisLocation, analysisDigest);
        budget.step("resolving the source " + analysis.reference());
        ResolvedImage source = resolve(analysis);
        context.checkpoint("assembling the images");
        budget.step("building and pushing the images (round " + round + ")");
        ImageAssembler.Assembly assembly;
        try (StageProgressReporter reporter = context.progress(round)) {
            assembly = assemble(analysis, source, repairs, reporter);
        }
        BuildReport.Wiring wired;
        try {
            wired = wiring.wire(analysis.plan(), assembly.images());
        } catch (IllegalArgumentException e) {
            throw StageFailure.failed("the images were built but cannot be wired together (nothing was tagged): "
                    + e.getMessage(), e);
        }
        String sourceName = source.reference().withDigest(null).toString();
        // The report names the tags the images are about to get; it is stored before they are set, so that a
        // published result always has its report.
        BuildReport report = BuildReport.of(sourceName, source.pushedDigest().toString(), analysisLocation, assembly,
                wired);
        context.checkpoint("storing the build report (nothing was tagged)");
        ReportStore.Stored stored;
        budget.step("storing the build report");
        try {
            stored = reports.put(ReportKind.BUILD, source.pinnedReference(), migrationId, JSON.writeValueAsBytes(report));
        } catch (IOException | RegistryException e) {
            throw StageFailure.failed("the images were built but the build report could not be stored (no result was tagged): "
                    + e.getMessage(), e);
        }
        context.publish(new ReportStored(migrationId, clock.instant(), Stage.BUILD, stored.location(), stored.digest(),
                round == 0 ? "BUILT" : "REPAIRED"));
        // The last safe point: once tagging starts, the images are whole and the result stands.
        context.checkpoint("tagging the result images (nothing was tagged)");
        List<ImageAssembler.ProgramImage> tagged;
        try {
            // Never tag for work that has been abandoned: its migration has already ended FAILED.
            budget.ensureRemaining("tag the results");
            budget.step("tagging the results");
            tagged = assembler.publish(assembly);
        } catch (dev.distill.engine.budget.BudgetExpiredException e) {
            throw StageFailure.failed("the images were pushed by digest but not tagged: " + e.getMessage(), e);
        } catch (RegistryException e) {
            throw StageFailure.failed("the images were pushed by digest but tagging them failed: " + e.getMessage(), e);
        }
        return new ImageBuilt(migrationId, clock.instant(), tagged.stream().map(BuildImagesStep::toEvent).toList(),
                assembly.sourceCompressedSize(), assembly.sourceUncompressedSize(), toEvent(assembly.leftBehind()),
                stored.location(), stored.digest(), round, previousVerification);
    }

    Analysis readAnalysis(String location, String digest) throws StageFailure {
        return Analysis.read(reports, location, digest, maxReportBytes);
    }

    private ResolvedImage resolve(Analysis analysis) throws StageFailure {
        ImageReference reference;
        try {
            reference = ImageReference.parse(analysis.reference()).withDigest(Digest.parse(analysis.digest()));
        } catch (IllegalArgumentException e) {
            throw StageFailure.failed("the analysis report names no usable source image: " + e.getMessage());
        }
        try {
            return registry.resolve(reference, analysis.platform());
        } catch (RegistryException e) {
            throw StageFailure.failed("cannot pull the source " + reference + " again: " + e.getMessage(), e);
        }
    }

    private ImageAssembler.Assembly assemble(Analysis analysis, ResolvedImage source, List<ImageAssembler.Repair> repairs,
            ProgressListener progress) throws StageFailure {
        String tag = ImageReference.parse(analysis.reference()).tag();
        LayerReadProgress layers = new LayerReadProgress(blobs.of(source), source.layers(), "read-source", progress);
        layers.report();
        try {
            return assembler.assemble(new ImageAssembler.Source(source, layers, tag, analysis.plan(),
                    analysis.surface(), repairs, analysis.packages()), progress);
        } catch (AssemblyException e) {
            throw StageFailure.failed(e.getMessage(), e);
        } catch (LayerException e) {
            throw StageFailure.failed("cannot read the layers of " + source.pinnedReference() + ": " + e.getMessage(), e);
        } catch (RegistryException e) {
            throw StageFailure.failed("the registry refused the result (nothing was tagged): " + e.getMessage(), e);
        } catch (IOException e) {
            throw StageFailure.failed("the build failed (nothing was tagged): " + e.getMessage(), e);
        }
    }

    private static ImageBuilt.BuiltImage toEvent(ImageAssembler.ProgramImage i) {
        return new ImageBuilt.BuiltImage(i.program(), i.taggedReference().toString(),
                i.pushed().manifestDigest().toString(), i.base(), i.baseDigest().toString(), i.user(), i.compressedSize(),
                i.uncompressedSize(), i.files());
    }

    private static ImageBuilt.LeftBehind toEvent(LeftBehind left) {
        PackageSurface s = left.packageSurface();
        return new ImageBuilt.LeftBehind(left.items().stream()
                .map(i -> new ImageBuilt.Item(i.kind(), i.name(), i.path(), i.layer())).toList(), left.packages(),
                left.packageDatabase(), new dev.distill.events.PackageSurface(s.manager(), s.sourcePackages(),
                        s.packagesRemoved(), s.sourceFiles(), s.filesRemoved(), s.remaining().stream()
                                .map(r -> new dev.distill.events.PackageSurface.Remaining(r.name(), r.version(), r.partial(),
                                        r.filesCarried(), r.filesTotal(), r.bytesCarried(), r.bytesTotal())).toList()));
    }
}
