package dev.distill.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a tool the way a developer would, from the repository root, and keeps what it printed. */
final class Commands {

    /** How a command ended: its exit status and its output (stdout and stderr together). */
    record Result(List<String> command, int exit, String output) {
        Result assertSucceeded() {
            if (exit != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + exit + ":\n" + output);
            }
            return this;
        }
    }

    private Commands() {
    }

    static Result run(Duration timeout, List<String> command) {
        return run(timeout, Map.of(), command);
    }

    static Result run(Duration timeout, Map<String, String> env, List<String> command) {
        Path out = null;
        try {
            out = Files.createTempFile("distill-command-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).directory(LocalStack.root().toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            builder.environment().putAll(env);
            Process p = builder.start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout + ":\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + " (deploy/local/install-prereqs.sh installs the tools): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // a temporary file left behind
                }
            }
        }
    }
}
