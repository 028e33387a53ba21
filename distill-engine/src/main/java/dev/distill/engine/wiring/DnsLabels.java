package dev.distill.engine.wiring;

import dev.distill.engine.image.Digest;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * RFC 1123 labels, the names Kubernetes gives containers and volumes (compose accepts them for services and
 * volumes too), and the deterministic mapping from arbitrary program names and paths onto them.
 */
final class DnsLabels {

    static final int MAX_LENGTH = 63;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private DnsLabels() {
    }

    static boolean isLabel(String s) {
        return s != null && s.length() <= MAX_LENGTH && LABEL.matcher(s).matches();
    }

    static String require(String what, String s) {
        if (!isLabel(s)) {
            throw new IllegalArgumentException(what + " must be a DNS-1123 label (lowercase letters, digits and '-', "
                    + "alphanumeric at both ends, at most 63 characters), got '" + s + "'");
        }
        return s;
    }

    /**
     * Lowercases, turns every run of other characters into one '-', trims dashes and cuts to 63 characters;
     * {@code fallback} when nothing is left (a name made only of punctuation).
     */
    static String sanitize(String raw, String fallback) {
        StringBuilder out = new StringBuilder();
        boolean dash = false;
        for (char c : (raw == null ? "" : raw).toLowerCase(Locale.ROOT).toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                if (dash && out.length() > 0) {
                    out.append('-');
                }
                out.append(c);
                dash = false;
            } else {
                dash = true;
            }
        }
        String s = trimDashes(out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) : out.toString());
        return s.isEmpty() ? fallback : s;
    }

    /** {@code base-suffix}, with base cut so the whole stays a label. */
    static String withSuffix(String base, String suffix) {
        int room = MAX_LENGTH - suffix.length() - 1;
        String cut = trimDashes(base.length() > room ? base.substring(0, room) : base);
        return cut.isEmpty() ? suffix : cut + "-" + suffix;
    }

    private static String trimDashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '-') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '-') {
            end--;
        }
        return s.substring(start, end);
    }

    /**
     * Hands out labels unique within one namespace (the containers of a pod, or its volumes). A name that
     * sanitises to a label already taken gets a suffix from the hash of its raw text, so two programs whose
     * names differ only in punctuation ({@code php_fpm}, {@code php-fpm}) keep stable, distinct names whatever
     * else the pod holds; identical raw names fall back to a counter.
     */
    static final class Allocator {
        private final Set<String> taken = new HashSet<>();

        String allocate(String raw, String fallback) {
            String base = sanitize(raw, fallback);
            if (taken.add(base)) {
                return base;
            }
            String hashed = withSuffix(base, Digest.sha256(String.valueOf(raw).getBytes(StandardCharsets.UTF_8))
                    .hex().substring(0, 8));
            if (taken.add(hashed)) {
                return hashed;
            }
            for (int n = 2; ; n++) {
                String counted = withSuffix(hashed, Integer.toString(n));
                if (taken.add(counted)) {
                    return counted;
                }
            }
        }
    }
}
