package dev.distill.engine.fs;

import java.util.ArrayDeque;
import java.util.Deque;

/** Path arithmetic inside an image root, where {@code ..} at the root stays at the root. */
public final class Paths {

    private Paths() {
    }

    /**
     * Normalises an image path: absolute, no {@code .}, no {@code ..} (resolved lexically, clamped at the
     * root), no duplicate or trailing slashes. Relative input is taken from the root.
     */
    public static String normalize(String path) {
        Deque<String> parts = new ArrayDeque<>();
        for (String c : path.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(c);
            }
        }
        return parts.isEmpty() ? "/" : "/" + String.join("/", parts);
    }

    public static String parent(String normalized) {
        int slash = normalized.lastIndexOf('/');
        return slash <= 0 ? "/" : normalized.substring(0, slash);
    }

    public static String name(String normalized) {
        return normalized.substring(normalized.lastIndexOf('/') + 1);
    }

    public static String join(String directory, String child) {
        return normalize(directory.equals("/") ? "/" + child : directory + "/" + child);
    }
}
