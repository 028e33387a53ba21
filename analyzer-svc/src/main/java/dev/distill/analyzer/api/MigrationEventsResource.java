package dev.distill.analyzer.api;

import dev.distill.pipeline.status.MigrationStatusStore;
import dev.distill.pipeline.status.MigrationUpdate;
import dev.distill.pipeline.status.MigrationView;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * Live progress as Server-Sent Events, served by every instance from its own Kafka-fed status view:
 * {@code /api/migrations/{id}/events} (one migration: its past, then each update until it has ended) and
 * {@code /api/migrations/events} (every migration's transitions, for dashboards and command lines). Each event's
 * {@code id} is stable across instances, so a client that reconnects with {@code Last-Event-ID} to any of them
 * gets what it missed.
 */
@Path("/api/migrations")
@Tag(name = "migrations")
public class MigrationEventsResource {

    static final String LAST_EVENT_ID = "Last-Event-ID";
    /** The most past updates the all-migrations stream replays after a reconnect. */
    private static final int MAX_REPLAY = 1000;

    @Inject
    MigrationStatusStore status;

    @Inject
    UpdateStreams streams;

    @Context
    Sse sse;

    @Operation(summary = "One migration's updates as Server-Sent Events: its past, then each update, ending after the final"
            + " state; send Last-Event-ID to resume")
    @APIResponse(responseCode = "200", description = "The stream (text/event-stream; each event's data is a MigrationUpdate)",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = MigrationUpdate.class)))
    @APIResponse(responseCode = "204", description = "The migration has ended and nothing came after Last-Event-ID: stop"
            + " reconnecting")
    @APIResponse(responseCode = "404", description = "No such migration")
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public RestMulti<OutboundSseEvent> migration(@PathParam("id") String id,
            @HeaderParam(LAST_EVENT_ID) String lastEventId) {
        Optional<MigrationView> view = status.find(id);
        if (view.isEmpty()) {
            status.awaitCaughtUp(Duration.ofSeconds(5));
            view = status.find(id);
        }
        if (view.isEmpty()) {
            throw new WebApplicationException(MigrationResource.unknown(id));
        }
        if (lastEventId != null && view.get().state().isFinal() && status.timeline().since(id, lastEventId).isEmpty()) {
            // Nothing after what the client saw, and nothing will come: 204 tells an EventSource not to reconnect.
            throw new WebApplicationException(Response.noContent().build());
        }
        Multi<OutboundSseEvent> events = streams.stream(sse, () -> status.timeline().since(id, lastEventId),
                u -> u.migrationId().equals(id), true,
                () -> status.find(id).map(v -> v.state().isFinal()).orElse(false));
        return RestMulti.fromMultiData(events).header("Cache-Control", "no-store").build();
    }

    /**
     * @param repository only migrations of this repository ({@code demo/app} or {@code host:port/demo/app})
     * @param progress also every stage's progress reports (off: only transitions)
     */
    @Operation(summary = "Every migration's transitions as Server-Sent Events (with progress=true also progress); send"
            + " Last-Event-ID to get what was missed")
    @APIResponse(responseCode = "200", description = "The stream (text/event-stream; each event's data is a MigrationUpdate)",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = MigrationUpdate.class)))
    @GET
    @Path("/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public RestMulti<OutboundSseEvent> all(@HeaderParam(LAST_EVENT_ID) String lastEventId,
            @QueryParam("repository") String repository, @QueryParam("progress") boolean progress) {
        Predicate<MigrationUpdate> wanted = u -> progress || !u.isProgress();
        if (repository != null && !repository.isBlank()) {
            String r = repository.trim();
            wanted = wanted.and(u -> status.find(u.migrationId()).map(v -> v.source() != null
                    && (r.equals(v.source().repository()) || r.equals(v.source().registry() + "/" + v.source().repository())))
                    .orElse(false));
        }
        Predicate<MigrationUpdate> filter = wanted;
        Multi<OutboundSseEvent> events = streams.stream(sse,
                () -> lastEventId == null ? List.of() : status.timeline().allSince(lastEventId, filter, MAX_REPLAY),
                filter, false, () -> false);
        return RestMulti.fromMultiData(events).header("Cache-Control", "no-store").build();
    }
}
