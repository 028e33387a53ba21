package dev.distill.analyzer.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.analyzer.config.AnalysisSettings;
import dev.distill.analyzer.config.IntakeSettings;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.registry.ArtifactStore;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import dev.distill.events.Stage;
import dev.distill.events.MigrationOptions;
import dev.distill.pipeline.intake.MigrationIntake;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.status.MigrationStatusStore;
import dev.distill.pipeline.status.MigrationView;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * {@code /api/migrations}: ask for a migration, and see where migrations stand.
 *
 * <p>Requests are read as raw JSON rather than bound to a class, so that every malformed body gets a 400
 * that names the problem instead of a framework default.
 */
@Path("/api/migrations")
@Produces(MediaType.APPLICATION_JSON)
public class MigrationResource {

    private static final int MAX_LIMIT = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    MigrationIntake intake;

    @Inject
    MigrationStatusStore status;

    @Inject
    IntakeSettings settings;

    @Inject
    AnalysisSettings analysisSettings;

    @Inject
    RegistryClient registry;

    static URI location(String id) {
        return URI.create("/api/migrations/" + id);
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response request(byte[] body) {
        JsonNode json;
        try {
            json = body == null || body.length == 0 ? null : JSON.readTree(body);
        } catch (IOException e) {
            return ApiError.response(Response.Status.BAD_REQUEST, "malformed-json",
                    "the body is not JSON: " + firstLine(e.getMessage()) + "; send {\"image\":\"host:port/repo:tag\"}");
        }
        if (json == null || !json.isObject()) {
            return ApiError.response(Response.Status.BAD_REQUEST, "malformed-request",
                    "the body must be a JSON object like {\"image\":\"host:port/repo:tag\"}");
        }
        JsonNode image = json.get("image");
        if (image == null || !image.isTextual() || image.asText().isBlank()) {
            return ApiError.response(Response.Status.BAD_REQUEST, "missing-image",
                    "field 'image' is required and must be a string like \"127.0.0.1:5000/demo/app:1\"");
        }
        JsonNode platformNode = json.get("platform");
        if (platformNode != null && !platformNode.isTextual()) {
            return ApiError.response(Response.Status.BAD_REQUEST, "invalid-platform",
                    "field 'platform' must be a string like \"linux/amd64\"");
        }
        ImageReference reference;
        MigrationOptions options;
        try {
            reference = ImageReference.parse(image.asText());
            String platform = platformNode == null ? settings.platform() : platformNode.asText();
            options = new MigrationOptions(Platform.parse(platform).toString());
        } catch (IllegalArgumentException e) {
            return ApiError.response(Response.Status.BAD_REQUEST, "invalid-reference", e.getMessage());
        }
        MigrationIntake.Admission admission;
        try {
            admission = intake.request(reference, options, "api");
        } catch (IllegalStateException e) {
            return ApiError.response(Response.Status.SERVICE_UNAVAILABLE, "unavailable", e.getMessage());
        }
        Map<String, Object> answer = Map.of("id", admission.migrationId(), "created", admission.created(),
                "location", location(admission.migrationId()).toString());
        return Response.status(admission.created() ? Response.Status.ACCEPTED : Response.Status.OK)
                .location(location(admission.migrationId()))
                .entity(answer)
                .build();
    }

    @GET
    @Path("/{id}")
    public Response get(@PathParam("id") String id) {
        Optional<MigrationView> view = status.find(id);
        if (view.isEmpty()) {
            // It may have been written a moment ago through another instance: catch up once before saying no.
            status.awaitCaughtUp(Duration.ofSeconds(5));
            view = status.find(id);
        }
        return view.map(v -> Response.ok(MigrationDocument.of(v)).build())
                .orElseGet(() -> ApiError.response(Response.Status.NOT_FOUND, "unknown-migration",
                        "no migration with id '" + id + "'"));
    }

    /** The full analysis report (every ELF file with its resolution, the findings and the plan), as stored. */
    @GET
    @Path("/{id}/analysis")
    public Response analysis(@PathParam("id") String id) {
        Optional<MigrationView> view = status.find(id);
        if (view.isEmpty()) {
            status.awaitCaughtUp(Duration.ofSeconds(5));
            view = status.find(id);
        }
        if (view.isEmpty()) {
            return ApiError.response(Response.Status.NOT_FOUND, "unknown-migration", "no migration with id '" + id + "'");
        }
        MigrationView.Report report = view.get().reports().get(Stage.ANALYZE);
        if (report == null) {
            return ApiError.response(Response.Status.NOT_FOUND, "no-analysis", "migration " + id + " is "
                    + view.get().state() + " and has no stored analysis report"
                    + (view.get().state().isFinal() ? " (it ended before the analysis finished: see its reasons)" : " yet"));
        }
        try {
            ImageReference location = ImageReference.parse(report.location());
            ArtifactStore.StoredArtifact artifact = new ArtifactStore.StoredArtifact(location, null,
                    location.digestIfPinned().orElseThrow(), -1);
            byte[] json = new ArtifactStore(registry, location).get(artifact, analysisSettings.maxReportBytes());
            return Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build();
        } catch (RegistryException | IOException | RuntimeException e) {
            return ApiError.response(Response.Status.BAD_GATEWAY, "report-unavailable",
                    "the analysis report at " + report.location() + " cannot be read: " + e.getMessage());
        }
    }

    @GET
    public Response list(@QueryParam("repository") String repository, @QueryParam("state") String state,
            @QueryParam("limit") String limitText) {
        int limit = 50;
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                return ApiError.response(Response.Status.BAD_REQUEST, "invalid-limit",
                        "limit must be a whole number from 1 to " + MAX_LIMIT + ", got '" + limitText + "'");
            }
        }
        Predicate<MigrationView> filter = v -> true;
        if (state != null && !state.isBlank()) {
            MigrationState wanted;
            try {
                wanted = MigrationState.valueOf(state.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return ApiError.response(Response.Status.BAD_REQUEST, "invalid-state", "state must be one of "
                        + Arrays.toString(MigrationState.values()) + ", got '" + state + "'");
            }
            filter = filter.and(v -> v.state() == wanted);
        }
        if (repository != null && !repository.isBlank()) {
            String wanted = repository.trim();
            // Match "demo/app" or "127.0.0.1:5000/demo/app".
            filter = filter.and(v -> v.source() != null && (wanted.equals(v.source().repository())
                    || wanted.equals(v.source().registry() + "/" + v.source().repository())));
        }
        status.awaitCaughtUp(Duration.ofSeconds(2));
        List<MigrationDocument> page = status.list(filter, limit).stream().map(MigrationDocument::of).toList();
        return Response.ok(Map.of("migrations", page, "count", page.size())).build();
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
