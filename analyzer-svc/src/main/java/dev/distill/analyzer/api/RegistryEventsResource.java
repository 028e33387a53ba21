package dev.distill.analyzer.api;

import dev.distill.analyzer.config.IntakeSettings;
import dev.distill.engine.image.ImageReference;
import dev.distill.events.MigrationOptions;
import dev.distill.pipeline.intake.ImagePush;
import dev.distill.pipeline.intake.IntakeDecision;
import dev.distill.pipeline.intake.MalformedNotificationException;
import dev.distill.pipeline.intake.MigrationIntake;
import dev.distill.pipeline.intake.Notification;
import dev.distill.pipeline.intake.RegistryNotificationParser;
import dev.distill.pipeline.intake.RepositoryFilter;
import dev.distill.pipeline.intake.SelfPushGuard;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/registry/events}: registry push notifications (CNCF distribution envelopes, Harbor JSON and
 * Harbor CloudEvents). Checks the shared secret and the size before reading, parses the whole body before
 * acting (a malformed envelope starts nothing), and starts one migration per accepted manifest push.
 */
@Path("/api/registry/events")
@Tag(name = "registry webhook")
public class RegistryEventsResource {

    private static final Logger LOG = Logger.getLogger(RegistryEventsResource.class);

    @Inject
    IntakeSettings settings;

    @Inject
    MigrationIntake intake;

    @Inject
    RegistryNotificationParser parser;

    @Inject
    RepositoryFilter filter;

    @Inject
    SelfPushGuard guard;

    @Inject
    MeterRegistry metrics;

    @Operation(summary = "Registry push notifications: CNCF distribution envelopes, Harbor JSON and Harbor CloudEvents")
    @SecurityRequirement(name = ApiDocumentFilter.WEBHOOK_SECRET)
    @RequestBody(required = true, description = "application/vnd.docker.distribution.events.v1+json (or v2), Harbor JSON,"
            + " application/cloudevents+json", content = @Content(mediaType = MediaType.WILDCARD,
                    schema = @Schema(type = SchemaType.OBJECT)))
    @APIResponse(responseCode = "202", description = "At least one migration was started",
            content = @Content(schema = @Schema(implementation = ApiBodies.WebhookReceipt.class)))
    @APIResponse(responseCode = "200", description = "Nothing new was started: what was found, ignored and skipped, and why",
            content = @Content(schema = @Schema(implementation = ApiBodies.WebhookReceipt.class)))
    @APIResponse(responseCode = "400", description = "The notification is malformed; nothing was started")
    @APIResponse(responseCode = "401", description = "Missing or wrong shared secret")
    @APIResponse(responseCode = "413", description = "The body is over distill.intake.max-body-bytes")
    @APIResponse(responseCode = "503", description = "The webhook has no secret configured, or Kafka is unavailable (the"
            + " registry retries)")
    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response receive(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength,
            InputStream body) {
        if (settings.webhookSecret().isEmpty() || settings.webhookSecret().get().isBlank()) {
            return rejected(Response.Status.SERVICE_UNAVAILABLE, "webhook-disabled",
                    "the webhook is disabled: set distill.intake.webhook-secret and send it as 'Authorization: Bearer <secret>'");
        }
        if (!secretMatches(authorization, settings.webhookSecret().get())) {
            return rejected(Response.Status.UNAUTHORIZED, "unauthorized",
                    "missing or wrong shared secret: send 'Authorization: Bearer <secret>' as configured in the registry's"
                            + " notification endpoint headers");
        }
        byte[] bytes;
        try {
            bytes = readBounded(contentLength, body, settings.maxBodyBytes());
        } catch (TooLarge e) {
            return rejected(Response.Status.REQUEST_ENTITY_TOO_LARGE, "too-large", e.getMessage());
        } catch (IOException e) {
            return rejected(Response.Status.BAD_REQUEST, "unreadable-body", "the body could not be read: " + e.getMessage());
        }
        Notification notification;
        try {
            notification = parser.parse(contentType, bytes);
        } catch (MalformedNotificationException e) {
            return rejected(Response.Status.BAD_REQUEST, "malformed-notification", e.getMessage());
        }
        IntakeDecision decision = IntakeDecision.decide(notification, filter, guard);
        List<Map<String, Object>> started = new ArrayList<>();
        for (ImagePush push : decision.accepted()) {
            ImageReference reference = push.image();
            MigrationIntake.Admission admission;
            try {
                admission = intake.request(reference, new MigrationOptions(settings.platform()), "webhook:" + push.source());
            } catch (IllegalStateException e) {
                // 503 makes the registry retry the whole envelope later; admissions already made are deduplicated then.
                return rejected(Response.Status.SERVICE_UNAVAILABLE, "unavailable", e.getMessage());
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("image", reference.toString());
            entry.put("id", admission.migrationId());
            entry.put("created", admission.created());
            entry.put("location", MigrationResource.location(admission.migrationId()).toString());
            started.add(entry);
            metrics.counter("distill_webhook_pushes_total", "outcome", admission.created() ? "started" : "existing").increment();
        }
        List<Map<String, Object>> ignored = new ArrayList<>();
        for (IntakeDecision.Ignored i : decision.ignored()) {
            ignored.add(Map.of("image", i.push().image().toString(), "reason", i.reason()));
            metrics.counter("distill_webhook_pushes_total", "outcome", "ignored").increment();
            LOG.infof("ignoring push of %s: %s", i.push().image(), i.reason());
        }
        List<Map<String, Object>> skipped = notification.skipped().stream()
                .map(s -> Map.<String, Object>of("event", String.valueOf(s.eventId()), "reason", s.reason()))
                .toList();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("migrations", started);
        answer.put("ignored", ignored);
        answer.put("skipped", skipped);
        boolean anyCreated = started.stream().anyMatch(m -> Boolean.TRUE.equals(m.get("created")));
        return Response.status(anyCreated ? Response.Status.ACCEPTED : Response.Status.OK).entity(answer).build();
    }

    private Response rejected(Response.Status status, String error, String message) {
        metrics.counter("distill_webhook_rejected_total", "reason", error).increment();
        return ApiError.response(status, error, message);
    }

    /** Compares digests of both values, so the time taken says nothing about the secret. */
    static boolean secretMatches(String authorization, String secret) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        String presented = authorization.substring(7).trim();
        return MessageDigest.isEqual(sha256(presented), sha256(secret));
    }

    private static byte[] sha256(String s) {
        return dev.distill.engine.image.Digest.newSha256().digest(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] readBounded(String contentLength, InputStream body, int max) throws IOException {
        if (contentLength != null) {
            try {
                if (Long.parseLong(contentLength.trim()) > max) {
                    throw new TooLarge(max);
                }
            } catch (NumberFormatException e) {
                throw new IOException("Content-Length '" + contentLength + "' is not a number");
            }
        }
        if (body == null) {
            return new byte[0];
        }
        // The declared length may be absent (chunked) or false: count what actually arrives.
        byte[] bytes = body.readNBytes(max + 1);
        if (bytes.length > max) {
            throw new TooLarge(max);
        }
        return bytes;
    }

    private static final class TooLarge extends IOException {
        TooLarge(int max) {
            super("the body is larger than the configured limit of " + max + " bytes (distill.intake.max-body-bytes)");
        }
    }
}
