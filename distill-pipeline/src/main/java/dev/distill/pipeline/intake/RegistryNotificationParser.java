package dev.distill.pipeline.intake;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a registry push notification request into the tagged manifest pushes it reports.
 *
 * <p>Understands the CNCF distribution envelope ({@code docker-registry} 2.x and 3.x), Harbor's default
 * webhook payload and Harbor's CloudEvents payload. Anything that is not a tagged manifest or index push
 * is returned as skipped with the reason. A body with any malformed event is rejected whole with a
 * {@link MalformedNotificationException}, so that a bad request starts nothing. Thread-safe.
 */
public final class RegistryNotificationParser {

    public static final String DISTRIBUTION_EVENTS_V1 = "application/vnd.docker.distribution.events.v1+json";
    public static final String DISTRIBUTION_EVENTS_V2 = "application/vnd.docker.distribution.events.v2+json";
    public static final String CLOUDEVENTS_JSON = "application/cloudevents+json";
    public static final String JSON = "application/json";

    /** Media types of what Distill migrates: single-platform manifests and multi-platform indexes. */
    public static final Set<String> MANIFEST_MEDIA_TYPES = Set.of(
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");

    static final String HARBOR_PUSH = "PUSH_ARTIFACT";
    static final String HARBOR_CLOUDEVENT_PUSH = "harbor.artifact.pushed";

    // Duplicate keys would let one reader see a different "action" or "digest" than another; trailing
    // content means the body is not the single JSON value it claims to be.
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final String harborRegistryHost;

    /** A parser that takes the registry host from the notification only. */
    public RegistryNotificationParser() {
        this(null);
    }

    /**
     * @param harborRegistryHost the registry host to assume for a Harbor resource that has no
     *     {@code resource_url}, e.g. {@code harbor.example.com}; null to reject such resources
     */
    public RegistryNotificationParser(String harborRegistryHost) {
        if (harborRegistryHost != null) {
            try {
                new ImageReference(harborRegistryHost, "probe", null, null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Harbor registry host: " + e.getMessage(), e);
            }
        }
        this.harborRegistryHost = harborRegistryHost;
    }

    /**
     * Parses one notification request.
     *
     * @param contentType the request's Content-Type header, parameters such as charset allowed
     * @param body the raw request body
     * @throws MalformedNotificationException when the content type is not a notification format, the body
     *     is not JSON, or any event has a missing, mistyped or invalid field; the message names it
     */
    public Notification parse(String contentType, byte[] body) {
        Format format = Format.of(contentType);
        JsonNode root = readJson(body);
        if (!root.isObject()) {
            throw new MalformedNotificationException("body must be a JSON object, got " + JsonAt.kind(root));
        }
        return switch (format) {
            case DISTRIBUTION -> parseDistribution(root);
            case CLOUDEVENT -> parseCloudEvent(root);
            case PLAIN_JSON -> parseByShape(root);
        };
    }

    private enum Format {
        DISTRIBUTION, CLOUDEVENT, PLAIN_JSON;

        static Format of(String contentType) {
            if (contentType == null || contentType.isBlank()) {
                throw new MalformedNotificationException("Content-Type is missing; expected " + expected());
            }
            String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            return switch (mediaType) {
                case DISTRIBUTION_EVENTS_V1, DISTRIBUTION_EVENTS_V2 -> DISTRIBUTION;
                case CLOUDEVENTS_JSON -> CLOUDEVENT;
                case JSON -> PLAIN_JSON;
                default -> throw new MalformedNotificationException("Content-Type " + JsonAt.quote(contentType)
                        + " is not a registry notification format; expected " + expected());
            };
        }

        private static String expected() {
            return String.join(", ", DISTRIBUTION_EVENTS_V1, DISTRIBUTION_EVENTS_V2, CLOUDEVENTS_JSON, JSON);
        }
    }

    private static JsonNode readJson(byte[] body) {
        if (body == null || body.length == 0) {
            throw new MalformedNotificationException("body is empty");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw new MalformedNotificationException("body is not JSON: " + e.getOriginalMessage() + where, e);
        } catch (IOException e) {
            throw new MalformedNotificationException("body is not JSON: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new MalformedNotificationException("body is empty");
        }
        return root;
    }

    /** Plain {@code application/json}: Harbor's default payload, or a sender that labels envelopes loosely. */
    private Notification parseByShape(JsonNode root) {
        if (root.has("events")) {
            return parseDistribution(root);
        }
        if (root.has("specversion")) {
            return parseCloudEvent(root);
        }
        if (root.has("event_data") || root.has("type")) {
            return parseHarbor(root);
        }
        throw new MalformedNotificationException("JSON object is not a registry notification: it has no 'events'"
                + " array (distribution), no 'type' and 'event_data' (Harbor) and no 'specversion' (CloudEvents)");
    }

    // ---- CNCF distribution -------------------------------------------------------------------------

    private Notification parseDistribution(JsonNode root) {
        JsonNode events = root.get("events");
        if (events == null || events.isNull()) {
            throw new MalformedNotificationException("envelope has no 'events' array");
        }
        if (!events.isArray()) {
            throw new MalformedNotificationException("envelope 'events' must be an array, got " + JsonAt.kind(events));
        }
        List<ImagePush> pushes = new ArrayList<>();
        List<Notification.Skipped> skipped = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            JsonAt event = JsonAt.root(events.get(i), "event " + i).requireObject();
            String eventId = event.optionalText("id");
            String action = event.requiredText("action");
            JsonAt target = event.object("target");
            switch (action) {
                case "push" -> distributionPush(event, target, eventId).ifPresentOrElse(pushes::add,
                        () -> skipped.add(new Notification.Skipped(eventId, distributionSkipReason(target))));
                case "pull" -> skipped.add(new Notification.Skipped(eventId, "pull event"));
                case "delete" -> skipped.add(new Notification.Skipped(eventId, "delete event"));
                case "mount" -> skipped.add(new Notification.Skipped(eventId, "mount event"));
                default -> skipped.add(new Notification.Skipped(eventId, "unknown action " + JsonAt.quote(action)));
            }
        }
        return new Notification(pushes, skipped);
    }

    /** The push if it is a tagged manifest or index push; empty when it is to be skipped. */
    private static Optional<ImagePush> distributionPush(JsonAt event, JsonAt target, String eventId) {
        String mediaType = target.requiredText("mediaType");
        if (!MANIFEST_MEDIA_TYPES.contains(mediaType)) {
            return Optional.empty();
        }
        String repository = target.requiredText("repository");
        Digest digest = digest(target, "digest");
        String tag = target.optionalText("tag");
        Optional<JsonAt> request = event.optionalObject("request");
        String host = request.map(r -> r.optionalText("host")).orElse(null);
        String hostField = "request.host";
        if (host == null) {
            host = hostOfUrl(target);
            hostField = "target.url";
        }
        ImageReference image = reference(event, host, hostField, repository, target.fieldPath("repository"),
                tag, target.fieldPath("tag"), digest);
        if (tag == null) {
            return Optional.empty();
        }
        String userAgent = request.map(r -> r.optionalText("useragent")).orElse(null);
        String actor = event.optionalObject("actor").map(a -> a.optionalText("name")).orElse(null);
        return Optional.of(new ImagePush(image, mediaType, ImagePush.DISTRIBUTION, eventId, userAgent, actor));
    }

    private static String distributionSkipReason(JsonAt target) {
        String mediaType = target.requiredText("mediaType");
        if (MANIFEST_MEDIA_TYPES.contains(mediaType)) {
            return "manifest push without a tag";
        }
        String url = target.optionalText("url");
        if (url != null && url.contains("/manifests/")) {
            return "manifest push with unsupported media type " + JsonAt.quote(mediaType);
        }
        return "blob push";
    }

    private static String hostOfUrl(JsonAt target) {
        String url = target.optionalText("url");
        if (url == null) {
            throw target.error("neither request.host nor target.url names the registry host");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw target.error("url", JsonAt.quote(url) + " is not a URL: " + e.getReason());
        }
        if (uri.getHost() == null) {
            throw target.error("url", JsonAt.quote(url) + " has no host to take the registry host from");
        }
        return uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }

    // ---- Harbor ------------------------------------------------------------------------------------

    private Notification parseHarbor(JsonNode root) {
        JsonAt event = JsonAt.root(root, "");
        String type = event.requiredText("type");
        if (!HARBOR_PUSH.equals(type)) {
            return skippedOnly(null, harborSkipReason(type));
        }
        return harborPushes(event.object("event_data"), null, event.optionalText("operator"));
    }

    private Notification parseCloudEvent(JsonNode root) {
        JsonAt event = JsonAt.root(root, "");
        String specVersion = event.requiredText("specversion");
        if (!"1.0".equals(specVersion)) {
            throw event.error("specversion", JsonAt.quote(specVersion) + " is not supported (expected 1.0)");
        }
        String type = event.requiredText("type");
        String eventId = event.optionalText("id");
        if (!HARBOR_CLOUDEVENT_PUSH.equals(type)) {
            return skippedOnly(eventId, harborSkipReason(type));
        }
        // Harbor puts the operator in a CloudEvents extension attribute at the top level.
        return harborPushes(event.object("data"), eventId, event.optionalText("operator"));
    }

    private static Notification skippedOnly(String eventId, String reason) {
        return new Notification(List.of(), List.of(new Notification.Skipped(eventId, reason)));
    }

    private static String harborSkipReason(String type) {
        return switch (type) {
            case "PULL_ARTIFACT", "harbor.artifact.pulled" -> "pull event";
            case "DELETE_ARTIFACT", "harbor.artifact.deleted" -> "delete event";
            default -> "event type " + JsonAt.quote(type) + " is not an artifact push";
        };
    }

    /** The resources of a Harbor push; {@code data} is Harbor's {@code event_data} or CloudEvents {@code data}. */
    private Notification harborPushes(JsonAt data, String eventId, String actor) {
        String repoFullName = data.optionalObject("repository").map(r -> r.optionalText("repo_full_name")).orElse(null);
        List<JsonAt> resources = data.array("resources");
        if (resources.isEmpty()) {
            return skippedOnly(eventId, "Harbor push without resources");
        }
        List<ImagePush> pushes = new ArrayList<>();
        List<Notification.Skipped> skipped = new ArrayList<>();
        for (JsonAt resource : resources) {
            resource.requireObject();
            String digestText = resource.requiredText("digest");
            Digest digest = digest(resource, "digest");
            String tag = resource.optionalText("tag");
            // Harbor reports a push by digest with the digest in the tag field.
            if (digestText.equals(tag)) {
                tag = null;
            }
            ImageReference image = harborReference(data, resource, repoFullName, tag, digest);
            if (tag == null) {
                skipped.add(new Notification.Skipped(eventId, "manifest push without a tag"));
            } else {
                pushes.add(new ImagePush(image, null, ImagePush.HARBOR, eventId, null, actor));
            }
        }
        return new Notification(pushes, skipped);
    }

    /** Registry host and repository from {@code resource_url} ({@code host/ns/repo:tag}), else the fallbacks. */
    private ImageReference harborReference(JsonAt data, JsonAt resource, String repoFullName, String tag, Digest digest) {
        String url = resource.optionalText("resource_url");
        String host = harborRegistryHost;
        String hostField = "configured Harbor registry host";
        String repository = repoFullName;
        String repositoryField = data.fieldPath("repository.repo_full_name");
        if (url != null) {
            String rest = url.contains("://") ? url.substring(url.indexOf("://") + 3) : url;
            int at = rest.indexOf('@');
            if (at >= 0) {
                rest = rest.substring(0, at);
            }
            int slash = rest.indexOf('/');
            String path = slash < 0 ? "" : rest.substring(slash + 1);
            int colon = path.lastIndexOf(':');
            if (colon > path.lastIndexOf('/')) {
                path = path.substring(0, colon);
            }
            host = slash < 0 ? rest : rest.substring(0, slash);
            hostField = resource.fieldPath("resource_url");
            if (!path.isEmpty()) {
                repository = path;
                repositoryField = resource.fieldPath("resource_url");
            }
        }
        if (host == null || host.isEmpty()) {
            throw resource.error("resource_url", "is missing and no Harbor registry host is configured to fall back on");
        }
        if (repository == null) {
            throw resource.error("resource_url", "names no repository and " + repositoryField + " is missing");
        }
        return reference(resource, host, hostField, repository, repositoryField, tag, resource.fieldPath("tag"), digest);
    }

    // ---- shared ------------------------------------------------------------------------------------

    private static Digest digest(JsonAt node, String field) {
        String text = node.requiredText(field);
        try {
            return Digest.parse(text);
        } catch (IllegalArgumentException e) {
            throw node.invalid(field, e);
        }
    }

    /**
     * Builds the reference, naming the JSON field of whichever part {@link ImageReference} rejects; it owns
     * the grammar, so each part is checked by it alone with known-good values for the others. The field
     * names are full paths within the event, e.g. {@code target.repository}.
     */
    private static ImageReference reference(JsonAt event, String host, String hostField, String repository,
            String repositoryField, String tag, String tagField, Digest digest) {
        try {
            return new ImageReference(host, repository, tag, digest);
        } catch (IllegalArgumentException whole) {
            rejectPart(event, hostField, () -> new ImageReference(host, "probe", null, digest));
            rejectPart(event, repositoryField, () -> new ImageReference("probe.invalid", repository, null, digest));
            rejectPart(event, tagField, () -> new ImageReference("probe.invalid", "probe", tag, digest));
            throw event.error(whole.getMessage());
        }
    }

    private static void rejectPart(JsonAt event, String field, Runnable construction) {
        try {
            construction.run();
        } catch (IllegalArgumentException e) {
            throw event.invalidAt(field, e);
        }
    }
}
