package dev.distill.engine.bake;

import dev.distill.engine.io.WorkDirectories;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the baked steps did: every path they made, changed or deleted (sorted by path), with the bytes of the regular
 * files spooled in a directory this object owns until {@link #close()}, and how each step ran.
 *
 * @param spool the directory that holds the bytes, removed on close; null when nothing was baked
 */
public record Bake(List<BakedFile> files, List<StepRun> runs, Path spool) implements Closeable {

    /** One baked step's run. */
    public record StepRun(String where, String command, int exitStatus, long millis, int changed) {
    }

    public Bake {
        files = List.copyOf(files);
        runs = List.copyOf(runs);
    }

    @Override
    public void close() throws IOException {
        if (spool != null) {
            WorkDirectories.removeTree(spool);
        }
    }
}
