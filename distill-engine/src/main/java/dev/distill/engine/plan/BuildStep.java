package dev.distill.engine.plan;

import java.util.List;

/**
 * A command the source's entrypoint ran before its program that depends only on the image and its configured
 * environment (a framework's config cache, {@code envsubst} of an image variable, {@code mkdir}/{@code chown}): the
 * builder runs it once in a sandbox of the source image and carries the files it changed into the result.
 *
 * @param command exec form, {@code argv[0]} as the image has it
 * @param user as the source ran it
 * @param origin where the source ran it ({@code /usr/local/bin/docker-entrypoint.sh:12})
 * @param reason why it is run at build time
 */
public record BuildStep(List<String> command, String user, String workingDir, List<String> env, String origin,
        String reason) {

    public BuildStep {
        if (command == null || command.isEmpty() || reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a build step needs a command and a reason, got " + command + " (" + origin + ")");
        }
        command = List.copyOf(command);
        env = env == null ? List.of() : List.copyOf(env);
        user = user == null ? "" : user;
        workingDir = workingDir == null || workingDir.isEmpty() ? "/" : workingDir;
        origin = origin == null ? "" : origin;
    }
}
