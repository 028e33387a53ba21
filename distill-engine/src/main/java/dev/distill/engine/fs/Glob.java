package dev.distill.engine.fs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Filename globs inside an image, as glob(3) expands them: {@code *}, {@code ?} and {@code [...]} (with
 * {@code [!...]}) within one path component; a leading dot is matched only by a pattern that starts with one.
 * Used for {@code include} lines of nginx, php-fpm, supervisord and ld.so.conf alike.
 */
public final class Glob {

    private Glob() {
    }

    public static boolean hasWildcard(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
    }

    /** The existing paths matching an absolute pattern, sorted; a pattern without wildcards is itself if it exists. */
    public static List<String> expand(ImageFileSystem fs, String pattern) {
        List<String> parts = Arrays.stream(Paths.normalize(pattern).split("/")).filter(s -> !s.isEmpty()).toList();
        List<String> current = List.of("/");
        for (String part : parts) {
            List<String> next = new ArrayList<>();
            for (String dir : current) {
                if (!hasWildcard(part)) {
                    String child = Paths.join(dir, part);
                    if (exists(fs, child)) {
                        next.add(child);
                    }
                    continue;
                }
                Pattern regex = componentRegex(part);
                for (FileEntry child : children(fs, dir)) {
                    String name = Paths.name(child.path());
                    if (name.startsWith(".") && !part.startsWith(".")) {
                        continue;
                    }
                    if (regex.matcher(name).matches()) {
                        next.add(Paths.join(dir, name));
                    }
                }
            }
            current = next;
        }
        return current.stream().sorted().toList();
    }

    /** The regular expression for one glob component. */
    public static Pattern componentRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append("[^/]*");
                case '?' -> re.append("[^/]");
                case '[' -> {
                    // "[]...]" starts a set that contains ']': look for the closing bracket after it.
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        re.append("\\[");
                    } else {
                        String set = glob.substring(i + 1, end);
                        if (set.startsWith("!")) {
                            set = "^" + set.substring(1);
                        }
                        re.append('[').append(set.replace("\\", "\\\\")).append(']');
                        i = end;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    private static boolean exists(ImageFileSystem fs, String path) {
        try {
            return fs.entry(path).isPresent();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static List<FileEntry> children(ImageFileSystem fs, String dir) {
        try {
            return fs.list(dir);
        } catch (RuntimeException e) {
            return List.of();
        }
    }
}
