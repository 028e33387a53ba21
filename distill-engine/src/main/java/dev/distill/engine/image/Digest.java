package dev.distill.engine.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as OCI writes it: {@code algorithm:hex}. Only {@code sha256} and {@code sha512} are
 * accepted, because those are the algorithms registries verify.
 */
public record Digest(String algorithm, String hex) {

    private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

    public Digest {
        if (algorithm == null || hex == null) {
            throw new IllegalArgumentException("digest needs an algorithm and a hex value, got " + algorithm + ":" + hex);
        }
        boolean ok = switch (algorithm) {
            case "sha256" -> SHA256.matcher(hex).matches();
            case "sha512" -> SHA512.matcher(hex).matches();
            default -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException("not a valid digest: '" + algorithm + ":" + hex
                    + "' (expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>)");
        }
    }

    /** Parses {@code sha256:<hex>}; the message names the offending text. */
    public static Digest parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("not a valid digest: null");
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not a valid digest: '" + text + "' (expected algorithm:hex)");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** The sha256 digest of the given bytes. */
    public static Digest sha256(byte[] content) {
        return new Digest("sha256", HexFormat.of().formatHex(newSha256().digest(content)));
    }

    /** The digest of the given bytes with the named algorithm, {@code sha256} or {@code sha512}. */
    public static Digest of(String algorithm, byte[] content) {
        if (!"sha256".equals(algorithm) && !"sha512".equals(algorithm)) {
            throw new IllegalArgumentException("unsupported digest algorithm: '" + algorithm + "' (expected sha256 or sha512)");
        }
        return new Digest(algorithm, HexFormat.of().formatHex(hasherFor(algorithm).digest(content)));
    }

    /** A fresh SHA-256 hasher, for callers that digest a stream. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** A hasher for this digest's own algorithm. */
    public MessageDigest newHasher() {
        return hasherFor(algorithm);
    }

    private static MessageDigest hasherFor(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no " + algorithm, e);
        }
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
