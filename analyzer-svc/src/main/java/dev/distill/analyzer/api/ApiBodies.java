package dev.distill.analyzer.api;

import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The bodies the API reads and writes besides migrations and errors, as records so the OpenAPI document shows them. */
final class ApiBodies {

    private ApiBodies() {
    }

    /** {@code POST /api/migrations}. */
    @Schema(name = "MigrationRequest")
    record MigrationRequest(
            @Schema(required = true, examples = "127.0.0.1:5000/demo/app:1", description = "host:port/repo:tag or …@sha256:…")
            String image,
            @Schema(examples = "linux/arm64", description = "the platform an image index resolves to; linux/amd64 by default")
            String platform) {
    }

    /** The answer to a request for a migration. */
    @Schema(name = "MigrationAccepted")
    record MigrationAccepted(String id, @Schema(description = "false when that digest already had a migration") boolean created,
            String location) {
    }

    /** The answer to a re-run. */
    @Schema(name = "AttemptStarted")
    record AttemptStarted(String id, @Schema(description = "false when that attempt existed already") boolean created,
            @Schema(description = "the first migration of the image") String attemptOf, int attempt, String location) {
    }

    /** {@code POST /api/migrations/{id}/cancel} (the body is optional). */
    @Schema(name = "CancelRequest")
    record CancelRequest(@Schema(maxLength = 500, examples = "pushed the wrong tag") String reason) {
    }

    /** A page of migrations. */
    @Schema(name = "MigrationList")
    record MigrationList(List<MigrationDocument> migrations, int count) {
    }

    /** What the registry webhook did with a notification. */
    @Schema(name = "WebhookReceipt")
    record WebhookReceipt(
            @Schema(description = "image, id, created, location of each manifest push taken up") List<Map<String, Object>> migrations,
            @Schema(description = "image and reason of each push the filters or the loop guard ignored") List<Map<String, Object>> ignored,
            @Schema(description = "event and reason of each event that was not a manifest push") List<Map<String, Object>> skipped) {
    }
}
