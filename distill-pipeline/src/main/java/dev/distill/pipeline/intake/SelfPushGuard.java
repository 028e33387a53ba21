package dev.distill.pipeline.intake;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Recognises pushes that Distill made itself (result images, base images), so that a registry that
 * notifies Distill about them cannot start a migration of a migration, and so on without end.
 *
 * <p>Three independent signs, any one suffices: the tag carries the result-tag marker, the repository is
 * under a prefix Distill pushes base images to, or the pushing client's User-Agent is Distill's. Harbor
 * events carry no User-Agent, which is why the tag and repository checks exist besides it. A tag of the referrers
 * tag schema ({@code sha256-<hex>}, where Distill keeps its results' SBOMs) is never an image either.
 */
public final class SelfPushGuard {

    /** Distill tags its results {@code <source tag>-distroless-<variant>}, e.g. {@code 1-distroless-nginx}. */
    public static final String DEFAULT_RESULT_TAG_PATTERN = "-distroless";
    public static final List<String> DEFAULT_BASE_REPOSITORY_PREFIXES = List.of("distill/");
    public static final String DEFAULT_USER_AGENT_PREFIX = "distill/";

    private final Pattern resultTag;
    private final List<String> baseRepositoryPrefixes;
    private final String userAgentPrefix;

    /**
     * @param resultTagPattern a regular expression found anywhere in a result tag (not anchored)
     * @param baseRepositoryPrefixes repository prefixes Distill pushes base images under, e.g. {@code distill/}
     * @param userAgentPrefix the start of the User-Agent Distill's registry client sends, compared ignoring
     *     case; null when the client's User-Agent is not distinctive
     * @throws IllegalArgumentException naming the bad setting
     */
    public SelfPushGuard(String resultTagPattern, List<String> baseRepositoryPrefixes, String userAgentPrefix) {
        if (resultTagPattern == null || resultTagPattern.isEmpty()) {
            // An empty pattern would be found in every tag and ignore every push.
            throw new IllegalArgumentException("result tag pattern must not be empty, got '" + resultTagPattern + "'");
        }
        try {
            this.resultTag = Pattern.compile(resultTagPattern);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("result tag pattern '" + resultTagPattern + "' is not a valid regular"
                    + " expression: " + e.getDescription(), e);
        }
        if (baseRepositoryPrefixes == null) {
            throw new IllegalArgumentException("base repository prefixes are null; pass an empty list for none");
        }
        for (String prefix : baseRepositoryPrefixes) {
            if (prefix == null || prefix.isBlank()) {
                throw new IllegalArgumentException("base repository prefix '" + prefix + "' is empty; it would match"
                        + " every repository");
            }
        }
        if (userAgentPrefix != null && userAgentPrefix.isBlank()) {
            throw new IllegalArgumentException("User-Agent prefix is blank; it would match every client (use null"
                    + " to not check the User-Agent)");
        }
        this.baseRepositoryPrefixes = List.copyOf(baseRepositoryPrefixes);
        this.userAgentPrefix = userAgentPrefix;
    }

    public static SelfPushGuard defaults() {
        return new SelfPushGuard(DEFAULT_RESULT_TAG_PATTERN, DEFAULT_BASE_REPOSITORY_PREFIXES, DEFAULT_USER_AGENT_PREFIX);
    }

    /** Why the push is Distill's own, e.g. {@code tag 'app:1-distroless-nginx' is a Distill result tag}; empty if it is not. */
    public Optional<String> ownPushReason(ImagePush push) {
        if (push == null) {
            throw new IllegalArgumentException("push is null");
        }
        String agent = push.userAgent();
        if (userAgentPrefix != null && agent != null
                && agent.toLowerCase(Locale.ROOT).startsWith(userAgentPrefix.toLowerCase(Locale.ROOT))) {
            return Optional.of("User-Agent '" + agent + "' is Distill's registry client");
        }
        if (resultTag.matcher(push.tag()).find()) {
            return Optional.of("tag '" + push.repository() + ":" + push.tag() + "' is a Distill result tag");
        }
        for (String prefix : baseRepositoryPrefixes) {
            if (push.repository().startsWith(prefix)) {
                return Optional.of("repository '" + push.repository() + "' is under Distill's base image prefix '"
                        + prefix + "'");
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "SelfPushGuard[resultTag=" + resultTag + ", baseRepositoryPrefixes=" + baseRepositoryPrefixes
                + ", userAgentPrefix=" + userAgentPrefix + "]";
    }
}
