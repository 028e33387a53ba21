package dev.distill.pipeline.intake;

import dev.distill.engine.image.ImageReference;

/**
 * One tagged manifest or index push that a registry reported.
 *
 * @param image registry host, repository, tag and digest of what was pushed; tag and digest are both set
 * @param mediaType the manifest or index media type, or null when the registry does not say (Harbor)
 * @param source which notification format reported it: {@link #DISTRIBUTION} or {@link #HARBOR}
 * @param eventId the registry's id for the event, or null when the format has none
 * @param userAgent the User-Agent of the client that pushed, or null when the format does not carry it
 * @param actor the user or robot account that pushed, or null when unknown
 */
public record ImagePush(
        ImageReference image,
        String mediaType,
        String source,
        String eventId,
        String userAgent,
        String actor) {

    public static final String DISTRIBUTION = "distribution";
    public static final String HARBOR = "harbor";

    public ImagePush {
        if (image == null) {
            throw new IllegalArgumentException("an image push needs an image");
        }
        // A push notification names the tag that moved and the digest it now points at; intake relies on
        // both, so a reference missing either is a programming error, not a registry quirk.
        if (image.tag() == null || image.digest() == null) {
            throw new IllegalArgumentException("an image push needs both tag and digest, got '" + image + "'");
        }
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("an image push needs a source, got '" + source + "'");
        }
    }

    public String repository() {
        return image.repository();
    }

    public String tag() {
        return image.tag();
    }
}
