package dev.distill.engine.verification;

import dev.distill.engine.runtime.Sandbox;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens the sandbox of one run. In the verifier's own process it is {@link Sandbox#open}; the {@link SandboxRunner}
 * wraps it to keep every sandbox of a request, so that it can close them when the request's verifier disconnects.
 */
@FunctionalInterface
interface SandboxOpener {

    Sandbox open(Path dir, Sandbox.Options options) throws IOException;
}
