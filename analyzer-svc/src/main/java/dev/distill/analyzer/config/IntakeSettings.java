package dev.distill.analyzer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code distill.intake.*}: who may call the webhook, which pushes start migrations, and limits. */
@ConfigMapping(prefix = "distill.intake")
public interface IntakeSettings {

    /** The shared secret registries send as {@code Authorization: Bearer <secret>}; without it the webhook is off. */
    Optional<String> webhookSecret();

    /** Largest webhook body accepted, in bytes; larger answers 413. */
    @WithDefault("1048576")
    int maxBodyBytes();

    /** Repository globs whose pushes start migrations ({@code *} within a segment, {@code **} across); empty = all. */
    Optional<List<String>> include();

    /** Repository globs never migrated; wins over include. */
    Optional<List<String>> exclude();

    /** Regex found in the tags of Distill's results; pushes of such tags never start a migration. */
    @WithDefault("-distroless")
    String resultTagPattern();

    /** Repository prefixes Distill pushes base images to; never migrated. */
    @WithDefault("distill/")
    List<String> baseRepositoryPrefixes();

    /** User-Agent prefix of Distill's own registry client; its pushes never start a migration. */
    @WithDefault("distill/")
    String userAgentPrefix();

    /** Registry host for Harbor events whose resource URL lacks one. */
    Optional<String> harborRegistryHost();

    /** The platform an image index resolves to when a request names none (webhook pushes never do). */
    @WithDefault("linux/amd64")
    String platform();

    /** How long the intake waits for the status view before answering 503. */
    @WithDefault("10s")
    Duration catchUpTimeout();
}
