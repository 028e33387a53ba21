package dev.distill.engine.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The CPU priority (nice value) of the calling thread. On Linux a nice value belongs to a thread, not to its process
 * (sched(7)), so one thread of the JVM can give way to the others and to other processes without slowing them.
 */
public final class CpuPriority {

    /** Nice 10: about a tenth of the CPU share of a thread at 0 while both want a core, all of it otherwise. */
    public static final int BACKGROUND = 10;

    private CpuPriority() {
    }

    /**
     * Gives the calling thread the nice value {@code niceness} (raising it needs no privilege) with {@code renice}.
     *
     * @return false when it could not (no {@code /proc/thread-self}, no {@code renice}); the thread runs on as it was
     */
    public static boolean lowerCurrentThread(int niceness) {
        try {
            // "/proc/thread-self" links to "<pid>/task/<tid>"; renice -p takes a thread id as a process id.
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            String tid = self.getFileName().toString();
            if (!tid.matches("\\d{1,10}")) {
                return false;
            }
            Process p = new ProcessBuilder("renice", "-n", Integer.toString(niceness), "-p", tid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The calling thread's nice value (field 19 of {@code /proc/thread-self/stat}); 0 if unknown. */
    public static int currentThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 1).strip().split(" ");
            return Integer.parseInt(fields[16]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
