package dev.distill.engine.wiring;

/** The numeric user and group a container's process starts as, resolved from the plan's accounts. */
public record RunAs(int uid, int gid) {

    public static final RunAs ROOT = new RunAs(0, 0);

    public RunAs {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must not be negative, got " + uid + ":" + gid);
        }
    }

    public boolean nonRoot() {
        return uid != 0;
    }

    /** {@code uid:gid}, as compose and OCI configs write it. */
    @Override
    public String toString() {
        return uid + ":" + gid;
    }
}
