package dev.distill.engine.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * What a cache entry is and what it was derived from. The key must name everything its value depends on: an entry
 * is never invalidated, only evicted, so a change of the producing code's output format bumps {@code version}.
 *
 * @param kind what the entry holds, such as {@code layer-facts} or {@code program-layer}: lower case letters,
 *     digits and dashes
 * @param subject what it was derived from: a layer digest, a hash of a layer's inputs, with any settings that
 *     change the value
 * @param version the format version of the value
 */
public record CacheKey(String kind, String subject, int version) {

    private static final Pattern KIND = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

    public CacheKey {
        if (kind == null || !KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("a cache key's kind is 1-40 lower case letters, digits and dashes, got '"
                    + kind + "'");
        }
        if (subject == null || subject.isEmpty()) {
            throw new IllegalArgumentException("a cache key of kind " + kind + " needs a subject, got '" + subject + "'");
        }
        if (version < 0) {
            throw new IllegalArgumentException("a cache key's version is not negative, got " + version);
        }
    }

    /** The entry's name in the cache directory: the kind, then a hash of the whole key. */
    String fileName() {
        return kind + "-" + sha256(kind + "\n" + version + "\n" + subject).substring(0, 48);
    }

    /** The hex SHA-256 of a text, for keys derived from many inputs. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return kind + " v" + version + " of " + subject;
    }
}
