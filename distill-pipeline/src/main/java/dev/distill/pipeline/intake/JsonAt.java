package dev.distill.pipeline.intake;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A node of a notification body together with where it sits, so that each complaint about a missing or
 * mistyped field names the event and the field path instead of surfacing as a NullPointerException.
 *
 * @param where the event label, e.g. {@code event 2}, or empty for single-event formats
 * @param path the dotted path of this node inside the event, empty for the event itself
 */
record JsonAt(JsonNode node, String where, String path) {

    // Registry names, tags, digests and ids are all far shorter; a longer value is junk or an attack, and
    // capping it keeps error messages and logs small.
    static final int MAX_TEXT_LENGTH = 1024;

    static JsonAt root(JsonNode node, String where) {
        return new JsonAt(node, where, "");
    }

    /** Fails unless this node is a JSON object. */
    JsonAt requireObject() {
        if (!node.isObject()) {
            throw new MalformedNotificationException(label() + " must be an object, got " + kind(node));
        }
        return this;
    }

    /** A string field, or null when absent or JSON null. */
    String text(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw error(field, "must be a string, got " + kind(value));
        }
        String text = value.textValue();
        if (text.length() > MAX_TEXT_LENGTH) {
            throw error(field, "is " + text.length() + " characters long (at most " + MAX_TEXT_LENGTH + " accepted)");
        }
        return text;
    }

    /** A string field that must be present and not blank. */
    String requiredText(String field) {
        String text = text(field);
        if (text == null) {
            throw error(field, "is missing");
        }
        if (text.isBlank()) {
            throw error(field, "is empty");
        }
        return text;
    }

    /** A string field where blank means the same as absent, as Go's omitempty-less fields send it. */
    String optionalText(String field) {
        String text = text(field);
        return text == null || text.isBlank() ? null : text;
    }

    Optional<JsonAt> optionalObject(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        return Optional.of(new JsonAt(value, where, fieldPath(field)).requireObject());
    }

    JsonAt object(String field) {
        return optionalObject(field).orElseThrow(() -> error(field, "is missing"));
    }

    /** The elements of an array field; the field must be present. */
    List<JsonAt> array(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw error(field, "is missing");
        }
        if (!value.isArray()) {
            throw error(field, "must be an array, got " + kind(value));
        }
        List<JsonAt> elements = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            elements.add(new JsonAt(value.get(i), where, fieldPath(field) + "[" + i + "]"));
        }
        return elements;
    }

    /** An error about one field of this node, e.g. {@code event 2: target.tag is missing}. */
    MalformedNotificationException error(String field, String problem) {
        return new MalformedNotificationException(prefix() + fieldPath(field) + " " + problem);
    }

    /** An error about a field whose value a domain type rejected; its message already quotes the value. */
    MalformedNotificationException invalid(String field, IllegalArgumentException rejection) {
        return new MalformedNotificationException(prefix() + fieldPath(field) + ": " + rejection.getMessage(), rejection);
    }

    /** Like {@link #invalid} for a field given by its full path within the event, e.g. {@code request.host}. */
    MalformedNotificationException invalidAt(String fullPath, IllegalArgumentException rejection) {
        return new MalformedNotificationException(prefix() + fullPath + ": " + rejection.getMessage(), rejection);
    }

    /** An error about this event as a whole. */
    MalformedNotificationException error(String problem) {
        return new MalformedNotificationException(prefix() + problem);
    }

    String fieldPath(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private String prefix() {
        return where.isEmpty() ? "" : where + ": ";
    }

    private String label() {
        if (path.isEmpty()) {
            return where.isEmpty() ? "body" : where;
        }
        return prefix() + path;
    }

    static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** Quotes an untrusted value for a message or reason, shortened so that junk stays readable. */
    static String quote(String value) {
        String shown = value.length() <= 80 ? value : value.substring(0, 80) + "...";
        return "'" + shown + "'";
    }
}
