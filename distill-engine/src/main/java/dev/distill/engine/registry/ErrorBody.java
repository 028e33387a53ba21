package dev.distill.engine.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a registry said when it refused a request, shortened for a message: the distribution error codes
 * and texts when the body has them ({@code {"errors":[{"code":..,"message":..}]}}), else the start of the body.
 *
 * @param codes distribution error codes such as {@code MANIFEST_UNKNOWN}; empty when the body had none
 */
record ErrorBody(String excerpt, List<String> codes) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_READ = 8 * 1024;
    private static final int MAX_EXCERPT = 200;

    /** Reads at most a few KiB of the body and closes it. */
    static ErrorBody read(HttpResponse<InputStream> response) {
        byte[] bytes;
        try (InputStream in = response.body()) {
            bytes = in == null ? new byte[0] : in.readNBytes(MAX_READ);
        } catch (IOException e) {
            return new ErrorBody("body unreadable: " + e.getMessage(), List.of());
        }
        return parse(bytes);
    }

    static ErrorBody parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return new ErrorBody("", List.of());
        }
        try {
            JsonNode errors = JSON.readTree(text).path("errors");
            if (errors.isArray() && !errors.isEmpty()) {
                List<String> codes = new ArrayList<>();
                Set<String> parts = new LinkedHashSet<>(); // registries repeat one error per blob
                for (JsonNode error : errors) {
                    String code = error.path("code").asText("");
                    String message = error.path("message").asText("");
                    codes.add(code);
                    parts.add(code.isEmpty() ? message : message.isEmpty() ? code : code + ": " + message);
                }
                return new ErrorBody(shorten(String.join("; ", parts)), codes);
            }
        } catch (IOException | RuntimeException e) {
            // Not JSON: fall through to the raw text, which is what a proxy or load balancer sends.
        }
        return new ErrorBody(shorten(text.replaceAll("\\s+", " ")), List.of());
    }

    /** {@code " (excerpt)"}, or nothing when the body was empty, for appending to a message. */
    String inParentheses() {
        return excerpt.isEmpty() ? "" : " (" + excerpt + ")";
    }

    boolean has(String code) {
        return codes.contains(code);
    }

    private static String shorten(String text) {
        return text.length() <= MAX_EXCERPT ? text : text.substring(0, MAX_EXCERPT) + "...";
    }
}
