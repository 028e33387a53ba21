package dev.distill.engine.registry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header, e.g.
 * {@code Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull"}.
 *
 * @param scheme lower case: {@code basic} or {@code bearer} are the ones registries use
 * @param params parameter names in lower case
 */
record AuthChallenge(String scheme, Map<String, String> params) {

    AuthChallenge {
        scheme = scheme.toLowerCase(Locale.ROOT);
        params = Map.copyOf(params);
    }

    boolean isBearer() {
        return scheme.equals("bearer") && params.containsKey("realm");
    }

    boolean isBasic() {
        return scheme.equals("basic");
    }

    String realm() {
        return params.get("realm");
    }

    /** The scopes the registry asked for; the spec allows several, space separated. */
    List<String> scopes() {
        String scope = params.get("scope");
        return scope == null || scope.isBlank() ? List.of() : Arrays.asList(scope.trim().split("\\s+"));
    }

    /** How the challenge reads in a message: scheme and realm, nothing else. */
    String describe() {
        return (isBearer() ? "Bearer" : isBasic() ? "Basic" : scheme) + (realm() == null ? "" : " realm \"" + realm() + "\"");
    }

    /**
     * Parses all challenges of all {@code WWW-Authenticate} values; the best one for us is a Bearer challenge,
     * then Basic, then whatever else the registry sent.
     */
    static List<AuthChallenge> parse(List<String> headerValues) {
        List<AuthChallenge> out = new ArrayList<>();
        for (String value : headerValues) {
            parseInto(value, out);
        }
        out.sort((a, b) -> rank(a) - rank(b));
        return out;
    }

    private static int rank(AuthChallenge c) {
        return c.isBearer() ? 0 : c.isBasic() ? 1 : 2;
    }

    // Grammar (RFC 7235): challenge = scheme [ 1*SP ( token68 / #auth-param ) ], challenges comma separated.
    // A token followed by '=' is a parameter of the current challenge; any other token starts a new one.
    private static void parseInto(String header, List<AuthChallenge> out) {
        int pos = 0;
        int len = header.length();
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (pos < len) {
            while (pos < len && (header.charAt(pos) == ' ' || header.charAt(pos) == ',' || header.charAt(pos) == '\t')) {
                pos++;
            }
            int start = pos;
            while (pos < len && " \t,=".indexOf(header.charAt(pos)) < 0) {
                pos++;
            }
            String token = header.substring(start, pos);
            if (token.isEmpty()) {
                pos++;
                continue;
            }
            int afterSpaces = pos;
            while (afterSpaces < len && header.charAt(afterSpaces) == ' ') {
                afterSpaces++;
            }
            if (scheme != null && afterSpaces < len && header.charAt(afterSpaces) == '=') {
                pos = afterSpaces + 1;
                while (pos < len && header.charAt(pos) == ' ') {
                    pos++;
                }
                StringBuilder value = new StringBuilder();
                if (pos < len && header.charAt(pos) == '"') {
                    pos++;
                    while (pos < len && header.charAt(pos) != '"') {
                        if (header.charAt(pos) == '\\' && pos + 1 < len) {
                            pos++;
                        }
                        value.append(header.charAt(pos++));
                    }
                    pos++;
                } else {
                    while (pos < len && header.charAt(pos) != ',') {
                        value.append(header.charAt(pos++));
                    }
                }
                params.put(token.toLowerCase(Locale.ROOT), value.toString().trim());
            } else {
                if (scheme != null) {
                    out.add(new AuthChallenge(scheme, params));
                }
                scheme = token;
                params = new LinkedHashMap<>();
            }
        }
        if (scheme != null) {
            out.add(new AuthChallenge(scheme, params));
        }
    }
}
