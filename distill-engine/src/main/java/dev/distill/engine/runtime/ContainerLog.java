package dev.distill.engine.runtime;

import dev.distill.engine.io.Fifos;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A container's stdout and stderr, kept in a file of the bundle. They reach it through a FIFO that a thread of ours
 * reads: a program that reopens {@code /dev/stdout} (supervisord does) would otherwise open the log file itself and
 * write over it from offset 0. At most {@code limit} bytes are kept; the rest is read and counted so that a chatty
 * container never blocks on a full pipe.
 */
final class ContainerLog implements AutoCloseable {

    private final Path fifo;
    private final Path file;
    private final long limit;
    private final Thread reader;
    private volatile long dropped;

    private ContainerLog(Path fifo, Path file, long limit) {
        this.fifo = fifo;
        this.file = file;
        this.limit = limit;
        this.reader = new Thread(this::copy, "container-log " + file.getParent().getFileName());
        this.reader.setDaemon(true);
    }

    /** Makes the FIFO and starts reading it; its writer is the {@code runc create} that {@link #fifo()} is given to. */
    static ContainerLog open(Path bundle, long limit) throws IOException {
        Path fifo = bundle.resolve("output.fifo");
        // Writable by every user of the container (programs reopen /dev/stderr as whoever they run as), readable by
        // its owner only. Set when it is made: changing a FIFO's mode later opens it, which blocks until a writer comes.
        Fifos.make(fifo, "0622");
        ContainerLog log = new ContainerLog(fifo, bundle.resolve("output.log"), limit);
        Files.createFile(log.file);
        log.reader.start();
        return log;
    }

    Path fifo() {
        return fifo;
    }

    Path file() {
        return file;
    }

    /** The log so far (as UTF-8, at most the limit), with a note when output was dropped. */
    String text() {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            return dropped > 0 ? text + "\n[" + dropped + " more bytes of output dropped]\n" : text;
        } catch (IOException e) {
            return "[log unreadable: " + e.getMessage() + "]";
        }
    }

    /** The last {@code lines} lines: the excerpt a report shows. */
    String tail(int lines) {
        List<String> all = text().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Waits briefly for the reader to see the end of the output, which it does once every writer has exited. */
    boolean awaitEnd(long millis) {
        try {
            reader.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !reader.isAlive();
    }

    /**
     * Ends the reader. If no writer ever opened the FIFO (runc create could not be started), the reader still
     * blocks in open: opening the write end once unblocks it and gives it end-of-file.
     */
    @Override
    public void close() {
        try {
            if (!awaitEnd(500) && Files.exists(fifo)) {
                try (OutputStream unblock = new FileOutputStream(fifo.toFile())) {
                    unblock.flush();
                }
                awaitEnd(2000);
            }
        } catch (IOException e) {
            // the reader is a daemon thread; it ends with the JVM at worst
        }
    }

    private void copy() {
        try (InputStream in = new FileInputStream(fifo.toFile()); OutputStream out = Files.newOutputStream(file)) {
            byte[] buffer = new byte[8192];
            long kept = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                int keep = (int) Math.min(n, Math.max(0, limit - kept));
                if (keep > 0) {
                    out.write(buffer, 0, keep);
                    out.flush();  // so that a probe's log excerpt sees output as it comes
                    kept += keep;
                }
                dropped += n - keep;
            }
        } catch (IOException e) {
            // the file keeps what came before the failure; text() shows what there is
        }
    }
}
