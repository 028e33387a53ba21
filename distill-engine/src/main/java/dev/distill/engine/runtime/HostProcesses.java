package dev.distill.engine.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The processes running on this host as seen in {@code /proc}: their pids and host user and group ids. */
final class HostProcesses {

    private static final Path PROC = Path.of("/proc");

    private HostProcesses() {
    }

    /**
     * {pid, real, effective, saved and filesystem uid, then the same four gids} of every process still readable,
     * zombies left out.
     */
    static List<long[]> ids() throws IOException {
        List<long[]> all = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path dir : entries) {
                long[] ids = ids(dir);
                if (ids != null) {
                    all.add(ids);
                }
            }
        }
        return all;
    }

    /** Whether any of the processes runs with a uid or gid of the mapping's host ids. */
    static boolean anyIn(List<long[]> processes, IdMapping mapping) {
        for (long[] p : processes) {
            for (int i = 1; i <= 4; i++) {
                if (mapping.containerUid(p[i]) >= 0 || mapping.containerGid(p[i + 4]) >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static long[] ids(Path dir) {
        List<String> status;
        try {
            status = Files.readAllLines(dir.resolve("status"));
        } catch (IOException e) {
            return null;  // ended meanwhile
        }
        long[] ids = new long[9];
        ids[0] = Long.parseLong(dir.getFileName().toString());
        boolean uid = false;
        boolean gid = false;
        for (String line : status) {
            if (line.startsWith("State:") && line.substring(6).strip().startsWith("Z")) {
                return null;  // a zombie holds nothing any more; only its exit status waits for its parent
            }
            if (line.startsWith("Uid:")) {
                uid = fill(line, ids, 1);
            } else if (line.startsWith("Gid:")) {
                gid = fill(line, ids, 5);
            }
        }
        return uid && gid ? ids : null;
    }

    private static boolean fill(String line, long[] ids, int from) {
        String[] f = line.substring(4).strip().split("\\s+");
        if (f.length != 4) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            ids[from + i] = Long.parseLong(f[i]);
        }
        return true;
    }
}
