package dev.distill.analyzer.api;

import dev.distill.analyzer.config.IntakeSettings;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The registry webhook's checks that need no body: the shared secret and the declared length. Request filters run
 * before Quarkus REST reads a body, so a caller without the secret, or announcing too large a body, is answered before
 * a byte of it is buffered. What a declared length does not bound (a chunked body) the resource checks once read.
 */
public class WebhookGate {

    static final String PATH = "/api/registry/events";

    @Inject
    IntakeSettings settings;

    @Inject
    MeterRegistry metrics;

    @ServerRequestFilter
    public Response check(ContainerRequestContext request) {
        if (!PATH.equals(request.getUriInfo().getPath()) || !"POST".equals(request.getMethod())) {
            return null;
        }
        if (settings.webhookSecret().isEmpty() || settings.webhookSecret().get().isBlank()) {
            return rejected(Response.Status.SERVICE_UNAVAILABLE, "webhook-disabled",
                    "the webhook is disabled: set distill.intake.webhook-secret and send it as 'Authorization: Bearer <secret>'");
        }
        if (!secretMatches(request.getHeaderString(HttpHeaders.AUTHORIZATION), settings.webhookSecret().get())) {
            return rejected(Response.Status.UNAUTHORIZED, "unauthorized",
                    "missing or wrong shared secret: send 'Authorization: Bearer <secret>' as configured in the registry's"
                            + " notification endpoint headers");
        }
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                return rejected(Response.Status.BAD_REQUEST, "unreadable-body", "Content-Length '" + length + "' is not a number");
            }
            if (declared > settings.maxBodyBytes()) {
                return rejected(Response.Status.REQUEST_ENTITY_TOO_LARGE, "too-large", tooLarge(settings.maxBodyBytes()));
            }
        }
        return null;
    }

    static String tooLarge(int max) {
        return "the body is larger than the configured limit of " + max + " bytes (distill.intake.max-body-bytes)";
    }

    Response rejected(Response.Status status, String error, String message) {
        return rejected(metrics, status, error, message);
    }

    static Response rejected(MeterRegistry metrics, Response.Status status, String error, String message) {
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
}
