package dev.distill.pipeline.intake;

import dev.distill.engine.image.ImageReference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which pushes of a notification start a migration, and why each of the others does not.
 *
 * @param accepted pushes to start a migration for, in notification order, each image once
 * @param ignored the other pushes with the reason, in notification order
 */
public record IntakeDecision(List<ImagePush> accepted, List<Ignored> ignored) {

    // Tags in the cosign convention (sha256-<hex>.sig/.att/.sbom) and the OCI referrers tag schema
    // (sha256-<hex>) name signatures, attestations and referrer indexes attached to an image, not images.
    private static final Pattern ATTACHMENT_TAG = Pattern.compile("(?:sha256-[a-f0-9]{64}|sha512-[a-f0-9]{128})(?:\\.[a-z]+)?");

    public IntakeDecision {
        accepted = List.copyOf(accepted);
        ignored = List.copyOf(ignored);
    }

    /** A push that starts no migration, e.g. because the repository is excluded. */
    public record Ignored(ImagePush push, String reason) {

        public Ignored {
            if (push == null || reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("an ignored push needs the push and a reason");
            }
        }
    }

    /**
     * Decides in this order: a repeat of an earlier push in the same notification, Distill's own push,
     * a signature or attestation tag, then the repository filter. The first reason that applies is reported.
     */
    public static IntakeDecision decide(Notification notification, RepositoryFilter filter, SelfPushGuard guard) {
        if (notification == null || filter == null || guard == null) {
            throw new IllegalArgumentException("deciding intake needs a notification, a repository filter and a"
                    + " self-push guard");
        }
        List<ImagePush> accepted = new ArrayList<>();
        List<Ignored> ignored = new ArrayList<>();
        Set<ImageReference> seen = new HashSet<>();
        for (ImagePush push : notification.pushes()) {
            reasonToIgnore(push, seen, filter, guard).ifPresentOrElse(
                    reason -> ignored.add(new Ignored(push, reason)),
                    () -> accepted.add(push));
        }
        return new IntakeDecision(accepted, ignored);
    }

    private static Optional<String> reasonToIgnore(ImagePush push, Set<ImageReference> seen, RepositoryFilter filter,
            SelfPushGuard guard) {
        if (!seen.add(push.image())) {
            return Optional.of("repeats an earlier push of " + push.image() + " in the same notification");
        }
        Optional<String> own = guard.ownPushReason(push);
        if (own.isPresent()) {
            return own;
        }
        if (ATTACHMENT_TAG.matcher(push.tag()).matches()) {
            return Optional.of("tag '" + push.tag() + "' names a signature, attestation or referrers index,"
                    + " not an image");
        }
        if (!filter.accepts(push.repository())) {
            return Optional.of(filter.describeRejection(push.repository()));
        }
        return Optional.empty();
    }
}
