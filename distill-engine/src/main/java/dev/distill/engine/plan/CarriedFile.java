package dev.distill.engine.plan;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;

/**
 * One file the result image must carry, exactly as the source has it: type, mode, owner, link target and
 * the source layer its bytes come from, with why it is needed.
 *
 * @param capabilityReason why the file keeps its file capabilities ({@code security.capability}); null (the
 *     rule) drops them, since capabilities are privilege like setuid (docs/assembly.md)
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
        String reason,
        String capabilityReason) {

    /** A carried file whose capabilities, if any, are dropped. */
    public CarriedFile(String path, FileType type, int mode, int uid, int gid, long size, String linkTarget, String layerDigest,
            String reason) {
        this(path, type, mode, uid, gid, size, linkTarget, layerDigest, reason, null);
    }

    public CarriedFile {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("a carried file needs an absolute path, got '" + path + "'");
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("carried file " + path + " needs a reason");
        }
        if (capabilityReason != null && capabilityReason.isBlank()) {
            throw new IllegalArgumentException("carried file " + path + " keeps its capabilities without saying why");
        }
    }

    /** This file, keeping its file capabilities for the given reason. */
    public CarriedFile keepingCapabilities(String why) {
        return new CarriedFile(path, type, mode, uid, gid, size, linkTarget, layerDigest, reason, why);
    }

    public static CarriedFile of(FileEntry entry, String reason) {
        return new CarriedFile(entry.path(), entry.type(), entry.mode(), entry.uid(), entry.gid(), entry.size(),
                entry.linkTarget(), entry.layerDigest(), reason);
    }
}
