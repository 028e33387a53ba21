package dev.distill.engine.verification;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.structure.CommandRunner;
import dev.distill.engine.structure.StructureTestReport;
import dev.distill.engine.structure.StructureTestRunner;
import dev.distill.engine.structure.StructureTestSuite;
import dev.distill.engine.verify.StaticChecker;
import dev.distill.engine.verify.StaticReport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One image checked by itself, as the verifier checks a result: the static checks, and a structure-test suite whose
 * command tests run in containers of the image under runc (as the image's own user). What Distill runs against its own
 * images; any image with a suite can be checked the same way.
 */
public final class ImageChecks {

    /** Both reports. */
    public record Result(StaticReport statics, StructureTestReport structure) {
    }

    private ImageChecks() {
    }

    /**
     * @param workDir where command tests' containers are unpacked; each is removed after its run
     * @param commandTimeLimit the longest one command test may run
     * @throws IOException when the image's user cannot be resolved for its command tests
     */
    public static Result check(ImageFileSystem fs, ImageConfig config, StructureTestSuite suite, Path workDir,
            Duration commandTimeLimit) throws IOException {
        return check(fs, config, suite, workDir, commandTimeLimit, Sandbox.Options.defaults());
    }

    /**
     * As {@link #check(ImageFileSystem, ImageConfig, StructureTestSuite, Path, Duration)}, the command tests confined
     * as {@code sandbox} says (every directory above {@code workDir} must let others through, see docs/security.md).
     */
    public static Result check(ImageFileSystem fs, ImageConfig config, StructureTestSuite suite, Path workDir,
            Duration commandTimeLimit, Sandbox.Options sandbox) throws IOException {
        StaticReport statics = new StaticChecker().check(fs, config);
        String user = config.user() == null || config.user().isBlank() ? "0" : config.user();
        RuntimeConfig runtime = RuntimeConfig.of(config, Identity.resolve(user, fs));
        CommandRunner commands = new RuncCommandRunner(workDir, fs, runtime, commandTimeLimit, sandbox);
        return new Result(statics, new StructureTestRunner(fs, config, commands).run(suite));
    }
}
