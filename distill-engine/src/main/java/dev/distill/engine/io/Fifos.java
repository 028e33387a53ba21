package dev.distill.engine.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Named pipes on the host's disk, through which the engine talks with processes in containers. */
public final class Fifos {

    private Fifos() {
    }

    /**
     * Makes a FIFO with its mode given at creation: changing a FIFO's mode afterwards opens it, which blocks until the
     * other end comes. The JDK cannot make one, so {@code mkfifo} does.
     *
     * @param mode octal, as {@code mkfifo -m} takes it, e.g. {@code "0600"}
     * @throws IOException naming the FIFO and what {@code mkfifo} said when it failed
     */
    public static void make(Path fifo, String mode) throws IOException {
        if (!mode.matches("[0-7]{3,4}")) {
            throw new IllegalArgumentException("a FIFO's mode is 3 or 4 octal digits, got '" + mode + "'");
        }
        Process p = new ProcessBuilder("mkfifo", "-m", mode, fifo.toString()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("mkfifo " + fifo + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted making " + fifo, e);
        }
    }
}
