package dev.distill.engine.analysis;

import dev.distill.engine.testing.FixtureImages;
import java.io.IOException;
import java.nio.file.Path;

/** Builds (or finds in the cache) a fixture image with the project's own fixtures/build.sh. */
final class Fixtures {

    record Built(Path rootfs, Path layout, String tag) {
    }

    private Fixtures() {
    }

    static Path repoRoot() {
        return FixtureImages.repoRoot();
    }

    static Built build(String name) throws IOException, InterruptedException {
        FixtureImages.Built built = FixtureImages.build(name);
        return new Built(built.rootfs(), built.layout(), built.tag());
    }
}
