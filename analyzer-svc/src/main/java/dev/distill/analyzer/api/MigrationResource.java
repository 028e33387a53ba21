package dev.distill.analyzer.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.analyzer.config.IntakeSettings;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.registry.RegistryException;
import dev.distill.events.Stage;
import dev.distill.events.MigrationOptions;
import dev.distill.pipeline.control.MigrationControl;
import dev.distill.pipeline.intake.MigrationIntake;
import dev.distill.pipeline.reports.ReportStore;
import dev.distill.service.ReportSettings;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.status.MigrationStatusStore;
import dev.distill.pipeline.status.MigrationView;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /api/migrations}: ask for a migration, and see where migrations stand.
 *
 * <p>Requests are read as raw JSON rather than bound to a class, so that every malformed body gets a 400
 * that names the problem instead of a framework default.
 */
@Path("/api/migrations")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "migrations")
public class MigrationResource {

    private static final int MAX_LIMIT = 500;
    private static final int MAX_REASON = 500;
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

    @Inject
    MigrationControl control;

    @Inject
    ApiAccess access;

    static URI location(String id) {
        return URI.create("/api/migrations/" + id);
    }

    @Operation(summary = "Start a migration of an image, or find the one that exists for its digest")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiBodies.MigrationRequest.class)))
    @APIResponse(responseCode = "202", description = "Started: the id, and a Location header",
            content = @Content(schema = @Schema(implementation = ApiBodies.MigrationAccepted.class)))
    @APIResponse(responseCode = "200", description = "That digest (with those options) already has a migration",
            content = @Content(schema = @Schema(implementation = ApiBodies.MigrationAccepted.class)))
    @APIResponse(responseCode = "400",
            description = "The body or the image reference is malformed; the message says what")
    @APIResponse(responseCode = "503", description = "Kafka is unavailable; nothing was started")
    @POST
    @Consumes(MediaType.WILDCARD)
    public Response request(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, byte[] body) {
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
            admission = intake.request(reference, options, "api", access.caller(authorization));
        } catch (IllegalStateException e) {
            return ApiError.response(Response.Status.SERVICE_UNAVAILABLE, "unavailable", e.getMessage());
        }
        ApiBodies.MigrationAccepted answer = new ApiBodies.MigrationAccepted(admission.migrationId(), admission.created(),
                location(admission.migrationId()).toString());
        return Response.status(admission.created() ? Response.Status.ACCEPTED : Response.Status.OK)
                .location(location(admission.migrationId()))
                .entity(answer)
                .build();
    }

    @Operation(summary = "A migration: state, stages, progress, results, verdict, evidence, attempts")
    @APIResponse(responseCode = "200", description = "The migration",
            content = @Content(schema = @Schema(implementation = MigrationDocument.class)))
    @APIResponse(responseCode = "404", description = "No such migration")
    @GET
    @Path("/{id}")
    public Response get(@PathParam("id") String id) {
        Optional<MigrationView> view = find(id);
        return view.map(v -> Response.ok(MigrationDocument.of(v, attemptsOf(v))).build())
                .orElseGet(() -> unknown(id));
    }

    /** The view of a migration; it may have been written a moment ago through another instance: catch up once first. */
    private Optional<MigrationView> find(String id) {
        Optional<MigrationView> view = status.find(id);
        if (view.isEmpty()) {
            status.awaitCaughtUp(Duration.ofSeconds(5));
            view = status.find(id);
        }
        return view;
    }

    static Response unknown(String id) {
        return ApiError.response(Response.Status.NOT_FOUND, "unknown-migration", "no migration with id '" + id + "'");
    }

    /** Every run of the same image as {@code v}, the first included; null while its request is not known yet. */
    private List<MigrationView> attemptsOf(MigrationView v) {
        if (v.source() == null) {
            return null;
        }
        String first = v.source().firstAttempt(v.id());
        return status.list(a -> a.source() != null && first.equals(a.source().firstAttempt(a.id())), Integer.MAX_VALUE);
    }

    /**
     * Runs an image again whose migration ended FAILED, BLOCKED, NEEDS_REVIEW or CANCELLED: a new migration with its
     * own id, attempt n+1 of the first migration of that image.
     */
    @Operation(summary = "Run an image again whose migration ended FAILED, BLOCKED, NEEDS_REVIEW or CANCELLED")
    @APIResponse(responseCode = "202", description = "A new attempt started, with its own id and a Location header",
            content = @Content(schema = @Schema(implementation = ApiBodies.AttemptStarted.class)))
    @APIResponse(responseCode = "200", description = "That attempt had just been started by another request",
            content = @Content(schema = @Schema(implementation = ApiBodies.AttemptStarted.class)))
    @APIResponse(responseCode = "404", description = "No such migration")
    @APIResponse(responseCode = "409",
            description = "It (or its latest attempt) is still running, or ended in a way that does not run again")
    @APIResponse(responseCode = "503", description = "Kafka is unavailable; nothing was started")
    @POST
    @Path("/{id}/attempts")
    @Consumes(MediaType.WILDCARD)
    public Response rerun(@PathParam("id") String id, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        MigrationControl.Rerun rerun;
        try {
            rerun = control.rerun(id, access.caller(authorization));
        } catch (IllegalStateException e) {
            return ApiError.response(Response.Status.SERVICE_UNAVAILABLE, "unavailable", e.getMessage());
        }
        switch (rerun.outcome()) {
            case UNKNOWN:
                return unknown(id);
            case REFUSED:
                return ApiError.response(Response.Status.CONFLICT, "not-rerunnable", rerun.message());
            default:
                ApiBodies.AttemptStarted answer = new ApiBodies.AttemptStarted(rerun.migrationId(),
                        rerun.outcome() == MigrationControl.RerunOutcome.STARTED, rerun.firstId(), rerun.attempt(),
                        location(rerun.migrationId()).toString());
                return Response.status(rerun.outcome() == MigrationControl.RerunOutcome.STARTED
                                ? Response.Status.ACCEPTED : Response.Status.OK)
                        .location(location(rerun.migrationId())).entity(answer).build();
        }
    }

    /**
     * Cancels a running migration: it ends CANCELLED with who and when at once; the stage working on it stops at its
     * next safe point, and nothing half-built is tagged. Body (optional): {@code {"reason":"..."}}.
     */
    @Operation(summary = "Cancel a running migration: its stage stops at the next safe point, nothing half-built is tagged")
    @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiBodies.CancelRequest.class)))
    @APIResponse(responseCode = "202", description = "Cancelled: the migration, now CANCELLED with who and when",
            content = @Content(schema = @Schema(implementation = MigrationDocument.class)))
    @APIResponse(responseCode = "400",
            description = "The body is not empty and not {\"reason\": \"...\"}, or the reason is too long")
    @APIResponse(responseCode = "404", description = "No such migration")
    @APIResponse(responseCode = "409", description = "It has ended already (perhaps a moment before)")
    @APIResponse(responseCode = "503", description = "Kafka is unavailable; nothing was cancelled")
    @POST
    @Path("/{id}/cancel")
    @Consumes(MediaType.WILDCARD)
    public Response cancel(@PathParam("id") String id, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            byte[] body) {
        String reason = null;
        if (body != null && body.length > 0) {
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                return ApiError.response(Response.Status.BAD_REQUEST, "malformed-json", "the body is not JSON: "
                        + firstLine(e.getMessage()) + "; send nothing or {\"reason\":\"...\"}");
            }
            JsonNode r = json == null ? null : json.get("reason");
            if (json == null || !json.isObject() || (r != null && !r.isTextual() && !r.isNull())) {
                return ApiError.response(Response.Status.BAD_REQUEST, "malformed-request",
                        "the body must be empty or a JSON object like {\"reason\":\"pushed the wrong tag\"}");
            }
            if (r != null && r.isTextual() && !r.asText().isBlank()) {
                reason = r.asText().strip();
                if (reason.length() > MAX_REASON) {
                    return ApiError.response(Response.Status.BAD_REQUEST, "reason-too-long",
                            "the reason has " + reason.length() + " characters; at most " + MAX_REASON + " are kept");
                }
            }
        }
        MigrationControl.Cancel cancel;
        try {
            cancel = control.cancel(id, access.caller(authorization), reason);
        } catch (IllegalStateException e) {
            return ApiError.response(Response.Status.SERVICE_UNAVAILABLE, "unavailable", e.getMessage());
        }
        switch (cancel.outcome()) {
            case UNKNOWN:
                return unknown(id);
            case ENDED:
                return ApiError.response(Response.Status.CONFLICT, "ended", cancel.message());
            default:
                MigrationView v = status.find(id).orElseThrow();
                return Response.status(Response.Status.ACCEPTED).location(location(id))
                        .entity(MigrationDocument.of(v)).build();
        }
    }

    /** The full analysis report (every ELF file with its resolution, the findings and the plan), as stored. */
    @Operation(summary = "The analysis report: classification, plan, binaries, findings")
    @APIResponse(responseCode = "200", description = "The report as stored",
            content = @Content(schema = @Schema(type = SchemaType.OBJECT)))
    @APIResponse(responseCode = "404",
            description = "No such migration, or it has no such report (yet, or it ended before)")
    @APIResponse(responseCode = "502", description = "The report cannot be read from the registry that keeps it")
    @GET
    @Path("/{id}/analysis")
    public Response analysis(@PathParam("id") String id) {
        return report(id, Stage.ANALYZE, "analysis", Function.identity(), MediaType.APPLICATION_JSON_TYPE);
    }

    /** The build report: every result image with its base, user, sizes and file changes, what was left behind, the wiring. */
    @Operation(summary = "The build report: images, sizes, file changes, what was left behind, the wiring")
    @APIResponse(responseCode = "200", description = "The report as stored",
            content = @Content(schema = @Schema(type = SchemaType.OBJECT)))
    @APIResponse(responseCode = "404",
            description = "No such migration, or it has no such report (yet, or it ended before)")
    @APIResponse(responseCode = "502", description = "The report cannot be read from the registry that keeps it")
    @GET
    @Path("/{id}/build")
    public Response build(@PathParam("id") String id) {
        return report(id, Stage.BUILD, "build", Function.identity(), MediaType.APPLICATION_JSON_TYPE);
    }

    /** The generated Kubernetes Deployment that runs the result images as one pod. */
    @Operation(summary = "The Kubernetes Deployment (and Service) that runs the result images as one pod")
    @APIResponse(responseCode = "200", description = "YAML",
            content = @Content(mediaType = "application/yaml", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "404", description = "No such migration, or no build report (yet)")
    @APIResponse(responseCode = "502", description = "The build report cannot be read from the registry that keeps it")
    @GET
    @Path("/{id}/wiring/kubernetes")
    @Produces("application/yaml")
    public Response kubernetes(@PathParam("id") String id) {
        return report(id, Stage.BUILD, "build", json -> wiring(json, "kubernetes"), YAML);
    }

    /** The generated compose file that runs the result images together. */
    @Operation(summary = "The compose file that runs the result images together")
    @APIResponse(responseCode = "200", description = "YAML",
            content = @Content(mediaType = "application/yaml", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "404", description = "No such migration, or no build report (yet)")
    @APIResponse(responseCode = "502", description = "The build report cannot be read from the registry that keeps it")
    @GET
    @Path("/{id}/wiring/compose")
    @Produces("application/yaml")
    public Response compose(@PathParam("id") String id) {
        return report(id, Stage.BUILD, "build", json -> wiring(json, "compose"), YAML);
    }

    /** The verification report: checks, probes, structure tests, repair rounds and the evidence. */
    @Operation(summary = "The verification report: every round, check, probe and repair")
    @APIResponse(responseCode = "200", description = "The report as stored",
            content = @Content(schema = @Schema(type = SchemaType.OBJECT)))
    @APIResponse(responseCode = "404",
            description = "No such migration, or it has no such report (yet, or it ended before)")
    @APIResponse(responseCode = "502", description = "The report cannot be read from the registry that keeps it")
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
    @Operation(summary = "A result image's SBOM as attached to it in the registry: CycloneDX 1.6 or SPDX 2.3 JSON")
    @APIResponse(responseCode = "200", description = "The SBOM; Content-Location names the image",
            content = {@Content(mediaType = "application/vnd.cyclonedx+json", schema = @Schema(type = SchemaType.OBJECT)),
                    @Content(mediaType = "application/spdx+json", schema = @Schema(type = SchemaType.OBJECT))})
    @APIResponse(responseCode = "400", description = "An unknown format, or several result images and no program named")
    @APIResponse(responseCode = "404", description = "No such migration or program, or no build (yet)")
    @APIResponse(responseCode = "502", description = "The SBOM or the build report cannot be read from the registry")
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
            return unknown(id);
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

    @Operation(summary = "Migrations, newest first, by repository and state")
    @APIResponse(responseCode = "200", description = "A page of migrations",
            content = @Content(schema = @Schema(implementation = ApiBodies.MigrationList.class)))
    @APIResponse(responseCode = "400", description = "The state or the limit is not one of the allowed values")
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
        return Response.ok(new ApiBodies.MigrationList(page, page.size())).build();
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
