package dev.distill.analyzer.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.analyzer.config.ApiSettings;
import dev.distill.pipeline.status.MigrationStatusStore;
import dev.distill.pipeline.status.MigrationTimeline;
import dev.distill.pipeline.status.MigrationUpdate;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Server-Sent Event streams of {@link MigrationUpdate}s from this instance's status view: what happened so far
 * (after the client's {@code Last-Event-ID}, when it sends one), then each update as the view applies it. A comment
 * line every {@code distill.api.events.keep-alive} keeps proxies from closing a quiet stream and lets the server
 * notice a client that went away.
 */
@ApplicationScoped
public class UpdateStreams {

    /** How long a browser's EventSource waits before it reconnects. */
    private static final long RECONNECT_MILLIS = 3000;

    @Inject
    MigrationStatusStore status;

    @Inject
    ObjectMapper mapper;

    @Inject
    ApiSettings settings;

    private ObjectMapper json;
    private ScheduledExecutorService keepAlive;
    private final Set<Stream> open = new CopyOnWriteArraySet<>();

    @PostConstruct
    void start() {
        json = mapper.copy().setSerializationInclusion(JsonInclude.Include.NON_NULL);
        keepAlive = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "distill-sse-keep-alive");
            t.setDaemon(true);
            return t;
        });
        long every = settings.events().keepAlive().toMillis();
        keepAlive.scheduleAtFixedRate(() -> open.forEach(Stream::keepAlive), every, every, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        keepAlive.shutdownNow();
        open.forEach(Stream::end);
    }

    /** Streams open right now (for tests and metrics). */
    public int open() {
        return open.size();
    }

    /**
     * A stream that first sends {@code past} (computed once the stream is listening, so nothing falls between), then
     * every update {@code wanted} lets through; it ends after sending an update in a final state when
     * {@code endOnFinal}, or after the past when {@code endedAlready} says so by then.
     */
    Multi<OutboundSseEvent> stream(Sse sse, Supplier<List<MigrationUpdate>> past, Predicate<MigrationUpdate> wanted,
            boolean endOnFinal, Supplier<Boolean> endedAlready) {
        return Multi.createFrom().emitter(emitter -> {
            Stream stream = new Stream(sse, emitter, wanted, endOnFinal);
            MigrationTimeline.Subscription subscription = status.timeline().subscribe(stream::live);
            open.add(stream);
            emitter.onTermination(() -> {
                subscription.close();
                open.remove(stream);
            });
            stream.replay(past.get(), endedAlready);
        }, BackPressureStrategy.BUFFER);
    }

    /** One client's stream; every emission is synchronised, since updates, replay and keep-alives come from three threads. */
    private final class Stream {
        private final Sse sse;
        private final MultiEmitter<? super OutboundSseEvent> emitter;
        private final Predicate<MigrationUpdate> wanted;
        private final boolean endOnFinal;
        private final Set<String> sent = new HashSet<>();
        private List<MigrationUpdate> held = new ArrayList<>();
        private boolean first = true;
        private boolean ended;

        Stream(Sse sse, MultiEmitter<? super OutboundSseEvent> emitter, Predicate<MigrationUpdate> wanted, boolean endOnFinal) {
            this.sse = sse;
            this.emitter = emitter;
            this.wanted = wanted;
            this.endOnFinal = endOnFinal;
        }

        synchronized void live(MigrationUpdate update) {
            if (ended || !wanted.test(update)) {
                return;
            }
            if (held != null) {
                held.add(update); // still replaying the past
                return;
            }
            send(update);
            if (endOnFinal && update.isFinal()) {
                end();
            }
        }

        synchronized void replay(List<MigrationUpdate> past, Supplier<Boolean> endedAlready) {
            past.forEach(this::send);
            List<MigrationUpdate> meanwhile = held;
            held = null;
            meanwhile.sort(MigrationUpdate.ORDER);
            boolean finalSeen = false;
            for (MigrationUpdate u : meanwhile) {
                send(u);
                finalSeen |= u.isFinal();
            }
            if (endOnFinal && (finalSeen || endedAlready.get())) {
                end();
            }
        }

        synchronized void keepAlive() {
            if (ended) {
                return;
            }
            try {
                emitter.emit(sse.newEventBuilder().comment("keep-alive").build());
            } catch (RuntimeException e) {
                // A stream that cannot take a comment is gone; the scheduler must go on for the others.
                end();
            }
        }

        synchronized void end() {
            if (!ended) {
                ended = true;
                emitter.complete();
            }
        }

        private void send(MigrationUpdate u) {
            if (ended || !sent.add(u.id())) {
                return;
            }
            OutboundSseEvent.Builder event = sse.newEventBuilder().id(u.id()).name(u.kind()).data(toJson(u));
            if (first) {
                event.reconnectDelay(RECONNECT_MILLIS);
                first = false;
            }
            emitter.emit(event.build());
        }
    }

    private String toJson(MigrationUpdate u) {
        try {
            return json.writeValueAsString(u);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write update " + u.id() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
