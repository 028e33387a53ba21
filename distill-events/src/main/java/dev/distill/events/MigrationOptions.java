package dev.distill.events;

/**
 * Options that change what a migration produces; part of the migration id, so the same image with other
 * options is another migration.
 *
 * @param platform the platform an image index is resolved to, such as {@code linux/amd64}
 */
public record MigrationOptions(String platform) {

    public static final MigrationOptions DEFAULT = new MigrationOptions("linux/amd64");

    public MigrationOptions {
        if (platform == null || platform.isBlank()) {
            platform = DEFAULT_PLATFORM;
        }
    }

    private static final String DEFAULT_PLATFORM = "linux/amd64";

    /** A canonical text form, used in the migration id. */
    public String canonical() {
        return "platform=" + platform;
    }
}
