package dev.distill.engine.plan;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;

/**
 * One file the result image must carry, exactly as the source has it: type, mode, owner, link target and
 * the source layer its bytes come from, with why it is needed.
 */
public record CarriedFile(
        String path,
        FileType type,
        int mode,
        int uid,
        int gid,
        long size,
        String linkTarget,
        String layerDigest,
        String reason) {

    public CarriedFile {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("a carried file needs an absolute path, got '" + path + "'");
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("carried file " + path + " needs a reason");
        }
    }

    public static CarriedFile of(FileEntry entry, String reason) {
        return new CarriedFile(entry.path(), entry.type(), entry.mode(), entry.uid(), entry.gid(), entry.size(),
                entry.linkTarget(), entry.layerDigest(), reason);
    }
}
