package dev.distill.engine.assembly;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Xattrs;
import java.util.ArrayList;
import java.util.List;

/**
 * What a carried file's extended attributes become in the result (docs/assembly.md): file capabilities are
 * privilege, like setuid, and are dropped unless the plan says why the file keeps them; ACLs and {@code user.*}
 * attributes are permissions and data the program may rely on, and are kept; SELinux labels, integrity
 * signatures ({@code security.ima}, {@code security.evm}), {@code trusted.*} and any other attribute belong to the
 * host that wrote the layer and are dropped. Every decision about a file that has any is reported.
 */
final class XattrPolicy {

    /** The attributes to write and what to report. */
    record Decision(Xattrs kept, List<FileChange> changes) {
    }

    private XattrPolicy() {
    }

    /** @param capabilityReason the plan's reason to keep file capabilities, or null */
    static Decision decide(FileEntry file, String capabilityReason) {
        Xattrs x = file.xattrs();
        if (x.isEmpty()) {
            return new Decision(Xattrs.NONE, List.of());
        }
        List<FileChange> changes = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<String> names = new ArrayList<>(x.names());
        names.addAll(x.texts().keySet());
        for (String name : names) {
            String why = dropReason(name, capabilityReason);
            String described = name + " (" + x.describe(name) + ")";
            if (why == null) {
                kept.add(described);
            } else {
                dropped.add(described + ": " + why);
            }
        }
        if (x.names().contains(Xattrs.CAPABILITY) && capabilityReason != null) {
            changes.add(new FileChange(file.path(), "file capabilities kept (" + x.describe(Xattrs.CAPABILITY) + "): " + capabilityReason));
        }
        if (!dropped.isEmpty()) {
            changes.add(new FileChange(file.path(), "extended attributes dropped: " + String.join("; ", dropped)));
        }
        if (!kept.isEmpty()) {
            changes.add(new FileChange(file.path(), "extended attributes kept as the source has them: " + String.join("; ", kept)));
        }
        Xattrs result = x.filter(name -> dropReason(name, capabilityReason) == null);
        return new Decision(result, changes);
    }

    /** Null to keep the attribute (or text record); otherwise why it is dropped. */
    static String dropReason(String name, String capabilityReason) {
        if (name.equals(Xattrs.CAPABILITY)) {
            return capabilityReason != null ? null : "file capabilities are privilege, like setuid, and the plan gives no reason to keep them";
        }
        if (Xattrs.isAcl(name) || name.startsWith("user.")) {
            return null;
        }
        if (Xattrs.isSelinux(name)) {
            return "an SELinux label is the build host's; the runtime host's policy labels container files";
        }
        if (name.equals("security.ima") || name.equals("security.evm")) {
            return "an integrity signature of the source's file, not of the result's";
        }
        if (name.startsWith("trusted.")) {
            return "trusted.* attributes are the host's (overlayfs and kernel bookkeeping) and need CAP_SYS_ADMIN";
        }
        return "not an attribute a program relies on (only ACLs and user.* are carried)";
    }
}
