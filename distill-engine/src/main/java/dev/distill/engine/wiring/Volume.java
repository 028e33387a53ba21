package dev.distill.engine.wiring;

/**
 * An empty, writable directory the pod provides, with the owner and mode the plan asks it to be created with.
 *
 * @param why what it is for, from the plan (a socket directory, temporary files)
 */
public record Volume(String name, VolumeScope scope, Medium medium, int uid, int gid, int mode, String why) {

    public Volume {
        DnsLabels.require("a volume name", name);
        if (scope == null || medium == null) {
            throw new IllegalArgumentException("volume " + name + " needs a scope and a medium, got " + scope + ", " + medium);
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("volume " + name + " has a negative owner " + uid + ":" + gid);
        }
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("volume " + name + " has mode " + Integer.toOctalString(mode)
                    + ", beyond 07777");
        }
    }

    /** The mode in octal with four digits, as mount options and chmod take it: {@code 0755}, {@code 1777}. */
    public String octalMode() {
        return String.format("%04o", mode);
    }
}
