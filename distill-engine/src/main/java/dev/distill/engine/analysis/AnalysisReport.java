package dev.distill.engine.analysis;

import dev.distill.engine.detect.Finding;
import dev.distill.engine.plan.Classification;
import dev.distill.engine.packages.PackageInventory;
import dev.distill.engine.plan.MigrationPlan;
import java.util.List;
import java.util.Map;

/**
 * Everything the analysis learned about one image: what it is, every ELF file with its resolution, what the
 * detectors found (each finding with path, layer and reason), the packages of the image with the files each
 * installed, and the migration plan. Served as JSON by the
 * status API and fetched by the builder; large, so it travels by reference, never through Kafka.
 *
 * @param detections each detector's typed result, by detector name
 * @param packages the image's package database as read in the analysis' pass; {@link PackageInventory#NONE} without one
 */
public record AnalysisReport(
        int schemaVersion,
        Subject subject,
        Classification classification,
        MigrationPlan plan,
        List<BinaryReport> binaries,
        List<Finding> findings,
        Map<String, Object> detections,
        PackageInventory packages,
        Stats stats) {

    /**
     * 2: each program plan says who it runs as ({@code runAs}), its kind, role and probes; the plan has build steps.
     * 3: {@code packages}, the source's package inventory (which package owns which file, records, licences).
     */
    public static final int SCHEMA_VERSION = 3;
    public static final String MEDIA_TYPE = "application/vnd.distill.analysis.v1+json";

    public AnalysisReport {
        binaries = List.copyOf(binaries);
        findings = List.copyOf(findings);
        detections = Map.copyOf(detections);
        packages = packages == null ? PackageInventory.NONE : packages;
    }

    /** The image analysed. */
    public record Subject(String reference, String digest, String platform) {
    }

    /** How big the image was and how much the analysis read. */
    public record Stats(long entries, long regularFiles, long elfFiles, long uncompressedBytes, long configFilesKept,
            long configBytesKept, long millis) {
    }
}
