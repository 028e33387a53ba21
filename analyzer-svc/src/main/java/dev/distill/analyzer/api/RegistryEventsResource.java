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
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
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
 * Harbor CloudEvents). The shared secret and the declared size are checked before the body is read ({@link
 * WebhookGate}); the whole body is parsed before acting (a malformed envelope starts nothing), and one migration is
 * started per accepted manifest push, answered as soon as Kafka has its request.
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
    public Uni<Response> receive(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, byte[] body) {
        // On the event loop: the secret and the declared length were checked before the body was read (WebhookGate);
        // the body arrived with the request, so no worker thread waits for the event loop to hand it over, which is
        // where requests queued under a burst. Admission waits on Kafka: a worker thread does it.
        byte[] bytes = body == null ? new byte[0] : body;
        if (bytes.length > settings.maxBodyBytes()) {
            return Uni.createFrom().item(rejected(Response.Status.REQUEST_ENTITY_TOO_LARGE, "too-large",
                    WebhookGate.tooLarge(settings.maxBodyBytes())));
        }
        return Uni.createFrom().item(() -> admit(contentType, bytes)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private Response admit(String contentType, byte[] bytes) {
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
                // The registry does not read the migration back: answered once Kafka has the request.
                admission = intake.admit(reference, new MigrationOptions(settings.platform()), "webhook:" + push.source());
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
        return WebhookGate.rejected(metrics, status, error, message);
    }
}
