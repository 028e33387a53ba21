package dev.distill.engine.detect.shell;

/** What becomes of a command an entrypoint script runs before its program. */
public enum StepAction {
    /**
     * Deterministic, depending only on the image and the environment its configuration sets: done once at build time
     * in a sandbox of the source image, and the files it makes are carried into the result.
     */
    BAKE,
    /** Needs the running environment (a database, a dependency, a mounted place): an init step run before each start. */
    INIT,
    /**
     * Decided by who runs the script: with the identity the result runs as, the step falls away; an ownership fix
     * becomes the owner of the carried files, anything else is reported.
     */
    IDENTITY,
    /** Distill does not know what it is for: the result goes without it, and a person must check. */
    REVIEW,
    /** It cannot be reproduced without a shell, and the program would be wrong without it. */
    BLOCK
}
