package dev.distill.pipeline.intake;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;

/** Builds pushes for the decision tests. */
final class Pushes {

    private Pushes() {
    }

    static ImagePush push(String repository, String tag) {
        return push(repository, tag, "containers/5.32.2 (github.com/containers/image)");
    }

    static ImagePush push(String repository, String tag, String userAgent) {
        ImageReference image = new ImageReference("127.0.0.1:5000", repository, tag,
                Digest.sha256((repository + ":" + tag).getBytes()));
        return new ImagePush(image, "application/vnd.oci.image.manifest.v1+json", ImagePush.DISTRIBUTION, "e-" + tag,
                userAgent, null);
    }
}
