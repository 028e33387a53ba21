package dev.distill.analyzer.api;

import dev.distill.analyzer.config.ApiSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a request to the user API may go on: a bearer token whose SHA-256 is configured, with the scope
 * the request needs (read for GETs and event streams, write for everything that changes something). The registry
 * webhook has its own shared secret and is not decided here.
 *
 * <p>Only hashes are kept: a configuration dump, a heap dump or a log line never shows a token.
 */
public final class ApiAccess {

    /** What a token allows. */
    public enum Scope {
        READ, WRITE;

        static Scope parse(String text, String token) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("token '" + token + "' has scope '" + text + "'; scopes are read and write");
            }
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The answer for one request.
     *
     * @param status 0 to go on, else 401 or 403
     * @param caller the token's name (or {@code anonymous} with checks off); null when refused
     */
    public record Decision(int status, String caller, String error, String message) {
        public boolean allowed() {
            return status == 0;
        }
    }

    public static final String ANONYMOUS = "anonymous";
    private static final String BEARER = "Bearer ";

    private record Token(String name, Set<Scope> scopes) {
    }

    private final boolean enabled;
    private final Map<String, Token> byHash = new HashMap<>();

    public ApiAccess(boolean enabled, Map<String, ApiSettings.Token> tokens) {
        this.enabled = enabled;
        tokens.forEach((name, t) -> {
            String hash = t.sha256() == null ? "" : t.sha256().trim().toLowerCase(Locale.ROOT);
            if (!hash.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("token '" + name + "': distill.api.auth.tokens." + name
                        + ".sha256 must be the 64 hex digits of the token's SHA-256 (printf %s \"$TOKEN\" | sha256sum)");
            }
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            t.scopes().forEach(s -> scopes.add(Scope.parse(s, name)));
            if (scopes.isEmpty()) {
                throw new IllegalArgumentException("token '" + name + "' has no scopes; give it read, write or both");
            }
            if (byHash.putIfAbsent(hash, new Token(name, scopes)) != null) {
                throw new IllegalArgumentException("token '" + name + "' has the same hash as token '"
                        + byHash.get(hash).name() + "'");
            }
        });
    }

    public static ApiAccess of(ApiSettings settings) {
        return new ApiAccess(settings.auth().enabled(), settings.auth().tokens());
    }

    public boolean enabled() {
        return enabled;
    }

    public int tokens() {
        return byHash.size();
    }

    /** The scope a request needs: reading for GET and HEAD, writing for the rest. */
    public static Scope needed(String method) {
        return "GET".equals(method) || "HEAD".equals(method) ? Scope.READ : Scope.WRITE;
    }

    public Decision decide(String method, String path, String authorization) {
        if (!enabled) {
            return new Decision(0, ANONYMOUS, null, null);
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || authorization.length() == BEARER.length()) {
            return new Decision(401, null, "unauthorized", "this API needs a token: send 'Authorization: Bearer <token>'"
                    + " (tokens are configured by their SHA-256 in distill.api.auth.tokens)");
        }
        Token token = byHash.get(sha256Hex(authorization.substring(BEARER.length()).trim()));
        if (token == null) {
            return new Decision(401, null, "unauthorized", "the token is not one this service knows");
        }
        Scope scope = needed(method);
        if (!token.scopes().contains(scope)) {
            return new Decision(403, null, "forbidden", "token '" + token.name() + "' lacks the " + scope.label()
                    + " scope that " + method + " " + path + " needs");
        }
        return new Decision(0, token.name(), null, null);
    }

    /** Who the request is from, for a request the filter let through: the token's name, or {@code anonymous}. */
    public String caller(String authorization) {
        if (!enabled || authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return ANONYMOUS;
        }
        Token token = byHash.get(sha256Hex(authorization.substring(BEARER.length()).trim()));
        return token == null ? ANONYMOUS : token.name();
    }

    static String sha256Hex(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
