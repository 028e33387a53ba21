package dev.distill.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;

/**
 * JSON encoding of event payloads. Unknown fields are ignored so that a consumer keeps reading events
 * that a newer producer extended compatibly; anything else malformed is an {@link UnreadableEventException}.
 */
public final class EventCodec {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private EventCodec() {
    }

    public static String encode(MigrationEvent event) {
        try {
            return MAPPER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + event.type() + ": " + e.getOriginalMessage(), e);
        }
    }

    public static <T extends MigrationEvent> T decode(String json, Class<T> type) {
        if (json == null || json.isBlank()) {
            throw new UnreadableEventException("empty payload where a " + type.getSimpleName() + " was expected");
        }
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new UnreadableEventException("not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            // The records' own validation, wrapped by Jackson or thrown directly.
            throw new UnreadableEventException("not a valid " + type.getSimpleName() + ": " + rootMessage(e), e);
        }
    }

    /** Decodes by CloudEvents type, as a consumer of several event types does. */
    public static MigrationEvent decode(String ceType, byte[] json) {
        EventType type = EventType.fromCeType(ceType)
                .orElseThrow(() -> new UnreadableEventException("unknown event type '" + ceType + "'"));
        return decode(json == null ? null : new String(json, StandardCharsets.UTF_8), type.payload());
    }

    private static String rootMessage(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    /** An event payload that cannot be read: a poison message for the stage that receives it. */
    public static final class UnreadableEventException extends RuntimeException {
        public UnreadableEventException(String message) {
            super(message);
        }

        public UnreadableEventException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
