package dev.distill.pipeline.stage;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.registry.RegistryException;
import dev.distill.events.ImageResolved;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationRequested;
import dev.distill.pipeline.EventPublisher;
import java.time.Clock;
import java.util.List;

/**
 * The analyzer's first step: find the requested image in its registry and record the manifest, the
 * configuration and the layers. The layer analysis and the migration plan come after it; until they exist
 * the step ends the migration FAILED and says how far it got.
 */
public final class ResolveImageStep implements StageStep<MigrationRequested> {

    /** Finds an image for a platform; the registry client's {@code resolve}. */
    @FunctionalInterface
    public interface ImageResolver {
        ResolvedImage resolve(ImageReference reference, Platform platform) throws RegistryException;
    }

    private final ImageResolver registry;
    private final Clock clock;

    public ResolveImageStep(ImageResolver registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public List<MigrationEvent> perform(MigrationRequested input, EventPublisher progress) throws StageFailure {
        ResolvedImage image = resolve(input);
        progress.publish(toEvent(input.migrationId(), image));
        throw StageFailure.failed("resolved " + image.reference().repositoryLocation() + "@" + image.manifestDigest()
                + " (" + image.layers().size() + " layers); layer analysis and the migration plan are not implemented"
                + " yet, so this migration stops here");
    }

    ResolvedImage resolve(MigrationRequested input) throws StageFailure {
        ImageReference reference;
        Platform platform;
        try {
            reference = ImageReference.parse(input.image());
            if (input.digest() != null) {
                // Analyse exactly what was pushed, even if the tag has moved on since.
                reference = reference.withDigest(Digest.parse(input.digest()));
            }
            platform = Platform.parse(input.options().platform());
        } catch (IllegalArgumentException e) {
            throw StageFailure.failed("the request cannot be analysed: " + e.getMessage());
        }
        try {
            return registry.resolve(reference, platform);
        } catch (RegistryException e) {
            throw StageFailure.failed("cannot resolve " + reference + ": " + e.getMessage(), e);
        }
    }

    private ImageResolved toEvent(String migrationId, ResolvedImage image) {
        ImageConfig c = image.imageConfig();
        ImageResolved.RuntimeConfig config = new ImageResolved.RuntimeConfig(c.entrypoint(), c.cmd(), c.user(), c.env(),
                c.exposedPorts(), c.workingDir(), c.stopSignal(), c.labels());
        List<ImageResolved.Layer> layers = image.layers().stream()
                .map((Descriptor d) -> new ImageResolved.Layer(d.digest().toString(), d.mediaType(), d.size()))
                .toList();
        return new ImageResolved(migrationId, clock.instant(), image.pushedDigest().toString(),
                image.manifestDigest().toString(), image.manifestMediaType(), String.valueOf(image.platform()), config, layers);
    }
}
