package dev.distill.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The analyzer found the source image in its registry: which manifest the reference resolved to, the
 * runtime configuration that matters for migration, and the layers. A summary, small whatever the image.
 *
 * @param digest what the reference pointed at (an index or a manifest)
 * @param manifestDigest the platform manifest that was analysed
 */
public record ImageResolved(
        String migrationId,
        Instant occurredAt,
        String digest,
        String manifestDigest,
        String manifestMediaType,
        String platform,
        RuntimeConfig config,
        List<Layer> layers) implements MigrationEvent {

    public ImageResolved {
        MigrationEvent.require(migrationId, "migrationId");
        MigrationEvent.require(manifestDigest, "manifestDigest");
        layers = layers == null ? List.of() : List.copyOf(layers);
    }

    /** The parts of the image configuration a migration must keep. */
    public record RuntimeConfig(
            List<String> entrypoint,
            List<String> cmd,
            String user,
            List<String> env,
            List<String> exposedPorts,
            String workingDir,
            String stopSignal,
            Map<String, String> labels) {

        public RuntimeConfig {
            entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
            cmd = cmd == null ? List.of() : List.copyOf(cmd);
            env = env == null ? List.of() : List.copyOf(env);
            exposedPorts = exposedPorts == null ? List.of() : List.copyOf(exposedPorts);
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }
    }

    /** One layer blob of the source image. */
    public record Layer(String digest, String mediaType, long size) {
    }
}
