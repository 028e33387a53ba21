package dev.distill.engine.detect;

import dev.distill.engine.fs.FileEntry;
import java.util.List;

/**
 * A text file read from the image.
 *
 * @param path the path it was asked by (may be a symlink)
 * @param entry the entry holding its data
 */
public record TextFile(String path, FileEntry entry, String content) {

    public String layer() {
        return entry.layerDigest();
    }

    public List<String> lines() {
        return content.lines().toList();
    }
}
