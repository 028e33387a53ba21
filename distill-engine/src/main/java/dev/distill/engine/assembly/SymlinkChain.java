package dev.distill.engine.assembly;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The entries a path needs in order to open in another image: every symlink met while resolving it (in any
 * component, as the kernel follows them) and the entry it ends at. Empty when the path does not resolve.
 */
final class SymlinkChain {

    private static final int MAX_LINKS = 40;

    private SymlinkChain() {
    }

    static List<FileEntry> of(ImageFileSystem fs, String path) {
        List<FileEntry> chain = new ArrayList<>();
        String current = path;
        for (int links = 0; links <= MAX_LINKS; links++) {
            String rewritten = null;
            String[] parts = current.substring(1).split("/");
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < parts.length; i++) {
                prefix.append('/').append(parts[i]);
                Optional<FileEntry> entry = fs.entry(prefix.toString());
                if (entry.isEmpty()) {
                    return List.of();
                }
                boolean last = i == parts.length - 1;
                if (entry.get().isSymlink()) {
                    chain.add(entry.get());
                    String target = entry.get().linkTarget();
                    String base = target.startsWith("/") ? target : parentOf(prefix.toString()) + "/" + target;
                    String rest = last ? "" : "/" + String.join("/", java.util.Arrays.copyOfRange(parts, i + 1, parts.length));
                    rewritten = Paths.normalize(base + rest);
                    break;
                }
                if (last) {
                    chain.add(entry.get());
                    return chain;
                }
            }
            if (rewritten == null) {
                return List.of();
            }
            current = rewritten;
        }
        return List.of(); // a symlink loop: nothing can be carried for it
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "" : path.substring(0, slash);
    }
}
