package dev.distill.engine.plan;

/**
 * The distroless bases, smallest first. {@code STATIC} has no libc at all (base-files, netbase, tzdata,
 * media-types); {@code BASE} adds glibc and libssl; {@code CC} adds libgcc, libstdc++ and libgomp.
 */
public enum BaseImage {
    STATIC("static"),
    BASE("base"),
    CC("cc");

    private final String flavour;

    BaseImage(String flavour) {
        this.flavour = flavour;
    }

    /** The distroless image name: {@code static}, {@code base} or {@code cc}. */
    public String flavour() {
        return flavour;
    }
}
