package dev.distill.engine.verification;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.engine.structure.CommandAttempt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Runs in the verifier's own process (which must then be root); layers are streamed from the registry. */
final class InProcessRuns implements PrivilegedRuns {

    static final InProcessRuns INSTANCE = new InProcessRuns();

    private InProcessRuns() {
    }

    @Override
    public void prepare(Path work, Sandbox.Options sandboxOptions) throws IOException {
        // A container's root, an unprivileged host id, reaches its bundle through here (and nobody lists it).
        Files.setAttribute(work, "unix:mode", 0711);
        Sandbox.checkParent(work, sandboxOptions);
    }

    @Override
    public BlobSource blobs(RegistryClient client, ImageReference pinned, Path work) {
        return BlobSource.registry(client, pinned);
    }

    @Override
    public SandboxRun.Outcome runPod(Path dir, SandboxRun.Plan plan, MigrationVerifier.Options options, long pullMillis)
            throws IOException {
        return SandboxRun.run(dir, plan, options, pullMillis);
    }

    @Override
    public SandboxRun.Outcome runPod(Path dir, SandboxRun.Plan plan, MigrationVerifier.Options options, long pullMillis,
            Teardown teardown) throws IOException {
        return SandboxRun.run(dir, plan, options, pullMillis, Sandbox::open, teardown);
    }

    @Override
    public List<CommandAttempt> runCommands(Path dir, ImageFileSystem image, List<RuntimeConfig> commands, Duration timeLimit,
            Sandbox.Options sandboxOptions) throws IOException, InterruptedException {
        return RuncCommandRunner.runContained(dir, image, commands, timeLimit, sandboxOptions, Sandbox::open);
    }

    @Override
    public SweepReport sweep(Path workRoot, Sandbox.Options sandboxOptions) {
        return Sandbox.sweep(workRoot, sandboxOptions);
    }

    @Override
    public void check() {
        // Nothing to reach: this process runs them.
    }

    @Override
    public String toString() {
        return "in this process";
    }
}
