package dev.distill.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.Platform;
import dev.distill.engine.packages.PackageInventory;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.registry.RegistryException;
import dev.distill.pipeline.reports.ReportStore;
import java.io.IOException;

/**
 * The parts of a stored analysis report the later stages need: the source, its platform, the plan, the surface and
 * the package inventory (which package owns which file; {@link PackageInventory#NONE} in a report from before it).
 */
record Analysis(String reference, String digest, Platform platform, MigrationPlan plan, SurfaceResult surface,
        PackageInventory packages) {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    /** Reads the report at {@code location}, checking it against {@code digest} when one is given. */
    static Analysis read(ReportStore reports, String location, String digest, int maxBytes) throws StageFailure {
        byte[] bytes;
        try {
            bytes = reports.get(location, maxBytes);
        } catch (IOException | RegistryException e) {
            throw StageFailure.failed("cannot read the analysis report at " + location + ": " + e.getMessage(), e);
        }
        if (digest != null && !Digest.sha256(bytes).toString().equals(digest)) {
            throw StageFailure.failed("the analysis report at " + location + " is not the one analysed: digest "
                    + Digest.sha256(bytes) + ", expected " + digest);
        }
        try {
            JsonNode json = JSON.readTree(bytes);
            JsonNode subject = json.path("subject");
            MigrationPlan plan = JSON.treeToValue(json.path("plan"), MigrationPlan.class);
            JsonNode surfaceJson = json.path("detections").path("surface");
            SurfaceResult surface = surfaceJson.isObject() ? JSON.treeToValue(surfaceJson, SurfaceResult.class) : null;
            JsonNode packagesJson = json.path("packages");
            PackageInventory packages = packagesJson.isObject() ? JSON.treeToValue(packagesJson, PackageInventory.class)
                    : PackageInventory.NONE;
            return new Analysis(subject.path("reference").asText(), subject.path("digest").asText(),
                    Platform.parse(subject.path("platform").asText()), plan, surface, packages);
        } catch (IOException | IllegalArgumentException e) {
            throw StageFailure.failed("the analysis report at " + location + " cannot be read as a plan: " + e.getMessage(), e);
        }
    }
}
