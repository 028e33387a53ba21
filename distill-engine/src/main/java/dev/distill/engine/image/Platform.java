package dev.distill.engine.image;

import java.util.Objects;
import java.util.regex.Pattern;

/** An OCI platform: {@code os/architecture[/variant]}, as in {@code linux/amd64} or {@code linux/arm64/v8}. */
public record Platform(String os, String architecture, String variant) {

    // Before LINUX_AMD64: static fields initialise in order, and its constructor needs the pattern.
    private static final Pattern WORD = Pattern.compile("[a-z0-9_.-]+");

    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

    public Platform {
        if (os == null || !WORD.matcher(os).matches() || architecture == null || !WORD.matcher(architecture).matches()
                || (variant != null && !WORD.matcher(variant).matches())) {
            throw new IllegalArgumentException("not a valid platform: os='" + os + "' architecture='" + architecture
                    + "' variant='" + variant + "' (expected e.g. linux/amd64 or linux/arm64/v8)");
        }
    }

    /** Parses {@code os/arch[/variant]}. */
    public static Platform parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("not a valid platform: '" + text + "' (expected os/architecture[/variant])");
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    }

    /** True when {@code candidate} is this platform; a missing variant on either side matches any variant. */
    public boolean matches(Platform candidate) {
        return os.equals(candidate.os) && architecture.equals(candidate.architecture)
                && (variant == null || candidate.variant == null || Objects.equals(variant, candidate.variant));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
