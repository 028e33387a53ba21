package dev.distill.engine.elf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the host's tools (gcc, readelf, ld.so) for tests that compare with them. */
public final class HostTools {

    private HostTools() {
    }

    public record Result(int exit, String out) {
    }

    /** Runs a command with LANG=C and without LD_* variables; stdout and stderr together. */
    public static Result run(List<String> command, Map<String, String> extraEnv) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("LD_"));
        pb.environment().put("LANG", "C");
        pb.environment().put("LC_ALL", "C");
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    public static String runOk(String... command) throws IOException, InterruptedException {
        Result r = run(List.of(command), Map.of());
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + r.exit() + ":\n" + r.out());
        }
        return r.out();
    }

    public static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Writes {@code source} to {@code dir/name.c} and compiles it with {@code compiler} and {@code args}. */
    public static Path compile(String compiler, Path dir, String name, String source, String... args)
            throws IOException, InterruptedException {
        Path c = dir.resolve(name + ".c");
        Files.writeString(c, source);
        List<String> cmd = new ArrayList<>(List.of(compiler, "-o", dir.resolve(name).toString(), c.toString()));
        cmd.addAll(List.of(args));
        runOk(cmd.toArray(String[]::new));
        return dir.resolve(name);
    }
}
