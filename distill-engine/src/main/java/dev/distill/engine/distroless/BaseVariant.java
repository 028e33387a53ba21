package dev.distill.engine.distroless;

/** Who a base image runs as, and its tag: distroless's {@code latest} (root) and {@code nonroot}. */
public enum BaseVariant {
    ROOT("latest", 0, "/"),
    NONROOT("nonroot", 65532, "/home/nonroot");

    private final String tag;
    private final int uid;
    private final String workingDir;

    BaseVariant(String tag, int uid, String workingDir) {
        this.tag = tag;
        this.uid = uid;
        this.workingDir = workingDir;
    }

    /** {@code latest} or {@code nonroot}. */
    public String tag() {
        return tag;
    }

    /** The config's {@code User}: 0 or 65532, numeric as in distroless, so no passwd lookup is needed. */
    public int uid() {
        return uid;
    }

    public String workingDir() {
        return workingDir;
    }
}
