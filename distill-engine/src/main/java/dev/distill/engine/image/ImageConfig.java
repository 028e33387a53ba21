package dev.distill.engine.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The runtime part of an image configuration: what a container started from the image runs, as whom and
 * with what. Missing values are empty, never null, so callers compare without null checks.
 *
 * @param exposedPorts as the config writes them, e.g. {@code 8080/tcp}
 * @param env {@code NAME=value} entries in image order
 */
public record ImageConfig(
        List<String> entrypoint,
        List<String> cmd,
        String user,
        List<String> env,
        List<String> exposedPorts,
        String workingDir,
        String stopSignal,
        Map<String, String> labels,
        List<String> volumes) {

    public static final ImageConfig EMPTY = new ImageConfig(null, null, null, null, null, null, null, null, null);

    private static final ObjectMapper JSON = new ObjectMapper();

    public ImageConfig {
        entrypoint = list(entrypoint, "entrypoint");
        cmd = list(cmd, "cmd");
        user = user == null ? "" : user;
        env = list(env, "env");
        exposedPorts = list(exposedPorts, "exposedPorts");
        workingDir = workingDir == null ? "" : workingDir;
        stopSignal = stopSignal == null ? "" : stopSignal;
        labels = map(labels);
        volumes = list(volumes, "volumes");
    }

    /**
     * Parses the configuration JSON of an OCI or Docker image (the blob a manifest's {@code config} points at).
     * Only the {@code config} object is read; history, rootfs and the rest are ignored.
     *
     * @throws IllegalArgumentException when the bytes are not JSON or a field has the wrong type, naming it
     */
    public static ImageConfig parse(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("image config is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("image config could not be read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("image config must be a JSON object, got " + excerpt(json));
        }
        JsonNode config = root.path("config");
        if (config.isMissingNode() || config.isNull()) {
            return EMPTY;
        }
        if (!config.isObject()) {
            throw new IllegalArgumentException("image config field 'config' must be an object, got " + config.getNodeType());
        }
        return new ImageConfig(
                strings(config, "Entrypoint"),
                strings(config, "Cmd"),
                text(config, "User"),
                strings(config, "Env"),
                keys(config, "ExposedPorts"),
                text(config, "WorkingDir"),
                text(config, "StopSignal"),
                labels(config),
                keys(config, "Volumes"));
    }

    /** The value of an environment variable as the image sets it, or null. */
    public String envValue(String name) {
        String prefix = name + "=";
        for (String entry : env) {
            if (entry.startsWith(prefix)) {
                return entry.substring(prefix.length());
            }
        }
        return null;
    }

    private static List<String> list(List<String> values, String field) {
        if (values == null || values.isEmpty()) {
            return List.of();
        }
        if (values.stream().anyMatch(Objects::isNull)) {  // List.of().contains(null) would throw
            throw new IllegalArgumentException("image config " + field + " contains a null entry: " + values);
        }
        return List.copyOf(values);
    }

    private static Map<String, String> map(Map<String, String> values) {
        if (values == null || values.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        values.forEach((key, value) -> {
            if (key == null || value == null) {
                throw new IllegalArgumentException("image config label has a null key or value: " + key + "=" + value);
            }
            copy.put(key, value);
        });
        return Collections.unmodifiableMap(copy);
    }

    // Docker once accepted a plain string for Entrypoint and Cmd; old images still carry that form.
    private static List<String> strings(JsonNode config, String field) {
        JsonNode node = config.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (node.isTextual()) {
            return List.of(node.asText());
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("image config field '" + field + "' must be a list of strings, got " + node);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new IllegalArgumentException("image config field '" + field + "' must hold strings, got " + item);
            }
            out.add(item.asText());
        }
        return out;
    }

    private static String text(JsonNode config, String field) {
        JsonNode node = config.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return "";
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException("image config field '" + field + "' must be a string, got " + node);
        }
        return node.asText();
    }

    // ExposedPorts and Volumes are JSON objects used as sets: {"8080/tcp": {}}.
    private static List<String> keys(JsonNode config, String field) {
        JsonNode node = config.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("image config field '" + field + "' must be an object, got " + node);
        }
        List<String> out = new ArrayList<>();
        node.properties().forEach(e -> out.add(e.getKey()));
        return out;
    }

    private static Map<String, String> labels(JsonNode config) {
        JsonNode node = config.path("Labels");
        if (node.isMissingNode() || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("image config field 'Labels' must be an object, got " + node);
        }
        Map<String, String> out = new LinkedHashMap<>();
        node.properties().forEach(e -> {
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("image config label '" + e.getKey() + "' must be a string, got " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    private static String excerpt(byte[] json) {
        String text = new String(json, 0, Math.min(json.length, 80), StandardCharsets.UTF_8);
        return "'" + text + (json.length > 80 ? "...'" : "'");
    }
}
