package dev.distill.analyzer.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.analyzer.config.IntakeSettings;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.registry.RegistryException;
import dev.distill.events.Stage;
import dev.distill.events.MigrationOptions;
import dev.distill.pipeline.intake.MigrationIntake;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.service.ReportSettings;
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
import java.util.function.Function;
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
    ReportStore reports;

    @Inject
    ReportSettings reportSettings;

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
        return report(id, Stage.ANALYZE, "analysis", Function.identity(), MediaType.APPLICATION_JSON_TYPE);
    }

    /** The build report: every result image with its base, user, sizes and file changes, what was left behind, the wiring. */
    @GET
    @Path("/{id}/build")
    public Response build(@PathParam("id") String id) {
        return report(id, Stage.BUILD, "build", Function.identity(), MediaType.APPLICATION_JSON_TYPE);
    }

    /** The generated Kubernetes Deployment that runs the result images as one pod. */
    @GET
    @Path("/{id}/wiring/kubernetes")
    @Produces("application/yaml")
    public Response kubernetes(@PathParam("id") String id) {
        return report(id, Stage.BUILD, "build", json -> wiring(json, "kubernetes"), YAML);
    }

    /** The generated compose file that runs the result images together. */
    @GET
    @Path("/{id}/wiring/compose")
    @Produces("application/yaml")
    public Response compose(@PathParam("id") String id) {
        return report(id, Stage.BUILD, "build", json -> wiring(json, "compose"), YAML);
    }

    /** The verification report: checks, probes, structure tests, repair rounds and the evidence. */
    @GET
    @Path("/{id}/verification")
    public Response verification(@PathParam("id") String id) {
        return report(id, Stage.VERIFY, "verification", Function.identity(), MediaType.APPLICATION_JSON_TYPE);
    }

    private static final MediaType YAML = MediaType.valueOf("application/yaml");
    private static final Map<String, String> SBOM_FORMATS = Map.of("cyclonedx", "application/vnd.cyclonedx+json",
            "spdx", "application/spdx+json");

    /**
     * The SBOM of one result image, as attached to it in the registry (an OCI referrer of the image): CycloneDX 1.6
     * JSON, or SPDX 2.3 JSON with {@code format=spdx}. A migration with one result image needs no {@code program};
     * one with several (one per supervisord program) is asked which with {@code ?program=<name>}, and a request
     * without it answers 400 listing them.
     */
    @GET
    @Path("/{id}/sbom")
    @Produces({"application/vnd.cyclonedx+json", "application/spdx+json", MediaType.APPLICATION_JSON})
    public Response sbom(@PathParam("id") String id, @QueryParam("program") String program,
            @QueryParam("format") String format) {
        String chosenFormat = format == null || format.isBlank() ? "cyclonedx" : format.trim().toLowerCase(Locale.ROOT);
        if (!SBOM_FORMATS.containsKey(chosenFormat)) {
            return ApiError.response(Response.Status.BAD_REQUEST, "invalid-format",
                    "format must be cyclonedx (the default) or spdx, got '" + format + "'");
        }
        Optional<MigrationView> view = find(id);
        if (view.isEmpty()) {
            return ApiError.response(Response.Status.NOT_FOUND, "unknown-migration", "no migration with id '" + id + "'");
        }
        MigrationView.Report report = view.get().reports().get(Stage.BUILD);
        if (report == null) {
            return ApiError.response(Response.Status.NOT_FOUND, "no-sbom", "migration " + id + " is " + view.get().state()
                    + " and has no result image yet, so no SBOM");
        }
        JsonNode images;
        try {
            images = JSON.readTree(reports.get(report.location(), reportSettings.maxBytes())).path("images");
        } catch (RegistryException | IOException | RuntimeException e) {
            return ApiError.response(Response.Status.BAD_GATEWAY, "report-unavailable",
                    "the build report at " + report.location() + " cannot be read: " + e.getMessage());
        }
        List<String> programs = new java.util.ArrayList<>();
        images.forEach(i -> programs.add(i.path("program").asText()));
        JsonNode image = null;
        if (program == null || program.isBlank()) {
            if (images.size() != 1) {
                return ApiError.response(Response.Status.BAD_REQUEST, "choose-program", "migration " + id + " has "
                        + images.size() + " result images (" + String.join(", ", programs) + "): ask for one with ?program=<name>");
            }
            image = images.get(0);
        } else {
            for (JsonNode i : images) {
                if (i.path("program").asText().equals(program)) {
                    image = i;
                }
            }
            if (image == null) {
                return ApiError.response(Response.Status.NOT_FOUND, "unknown-program", "migration " + id
                        + " has no result image for program '" + program + "'; it has " + String.join(", ", programs));
            }
        }
        String location = image.at("/contents/sbom/" + chosenFormat).asText("");
        if (location.isEmpty()) {
            return ApiError.response(Response.Status.NOT_FOUND, "no-sbom", "the result image " + image.path("reference").asText()
                    + " has no " + chosenFormat + " SBOM (built before Distill attached them?)");
        }
        try {
            return Response.ok(reports.get(location, reportSettings.maxBytes()), SBOM_FORMATS.get(chosenFormat))
                    .header("Content-Location", image.path("reference").asText() + "@" + image.path("digest").asText())
                    .build();
        } catch (RegistryException | IOException | RuntimeException e) {
            return ApiError.response(Response.Status.BAD_GATEWAY, "sbom-unavailable",
                    "the SBOM at " + location + " cannot be read: " + e.getMessage());
        }
    }

    private Optional<MigrationView> find(String id) {
        Optional<MigrationView> view = status.find(id);
        if (view.isEmpty()) {
            status.awaitCaughtUp(Duration.ofSeconds(5));
            view = status.find(id);
        }
        return view;
    }

    /** One rendering of the build report's wiring; null when the report has none; a report that is not JSON is an error. */
    private static byte[] wiring(byte[] buildReport, String which) {
        try {
            JsonNode text = JSON.readTree(buildReport).path("wiring").path(which);
            return text.isTextual() ? text.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the build report is not JSON: " + e.getMessage(), e);
        }
    }

    private Response report(String id, Stage stage, String name, Function<byte[], byte[]> select, MediaType type) {
        Optional<MigrationView> view = find(id);
        if (view.isEmpty()) {
            return ApiError.response(Response.Status.NOT_FOUND, "unknown-migration", "no migration with id '" + id + "'");
        }
        MigrationView.Report report = view.get().reports().get(stage);
        if (report == null) {
            return ApiError.response(Response.Status.NOT_FOUND, "no-" + name, "migration " + id + " is "
                    + view.get().state() + " and has no stored " + name + " report"
                    + (view.get().state().isFinal() ? " (it ended before the " + name + " finished: see its reasons)" : " yet"));
        }
        try {
            byte[] body = select.apply(reports.get(report.location(), reportSettings.maxBytes()));
            if (body == null) {
                return ApiError.response(Response.Status.NOT_FOUND, "no-" + name, "the " + name + " report of migration "
                        + id + " does not have that part");
            }
            return Response.ok(body, type).build();
        } catch (RegistryException | IOException | RuntimeException e) {
            return ApiError.response(Response.Status.BAD_GATEWAY, "report-unavailable",
                    "the " + name + " report at " + report.location() + " cannot be read: " + e.getMessage());
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
