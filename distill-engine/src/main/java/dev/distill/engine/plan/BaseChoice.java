package dev.distill.engine.plan;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which distroless base a program rides on, and why.
 *
 * <p>Static and musl programs take the libc-free {@code static} base: a musl program carries its own loader
 * (which is also its libc) and libraries, so it needs nothing from a glibc base. A glibc program takes
 * {@code base}, or {@code cc} when it links the GCC runtime libraries that only {@code cc} provides.
 */
public record BaseChoice(BaseImage base, String reason) {

    /** Sonames that distroless {@code cc} provides and {@code base} does not. */
    static final Set<String> GCC_RUNTIME = Set.of("libstdc++.so.6", "libgcc_s.so.1", "libgomp.so.1");

    public BaseChoice {
        if (base == null || reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a base choice needs a base and a reason, got " + base + ", " + reason);
        }
    }

    /**
     * @param libc the C library of the program's ELF files
     * @param sonames every library name in the program's closure (DT_NEEDED names, transitively)
     */
    public static BaseChoice choose(Libc libc, Collection<String> sonames) {
        switch (libc) {
            case NONE:
                return new BaseChoice(BaseImage.STATIC, "statically linked: needs no loader and no libc");
            case MUSL:
                return new BaseChoice(BaseImage.STATIC,
                        "musl program: carries its own loader and libraries, so the libc-free static base suffices");
            default:
                List<String> gccRuntime = new TreeSet<>(sonames).stream().filter(GCC_RUNTIME::contains).toList();
                if (!gccRuntime.isEmpty()) {
                    return new BaseChoice(BaseImage.CC, "glibc program linking " + String.join(", ", gccRuntime)
                            + ", which distroless cc provides");
                }
                return new BaseChoice(BaseImage.BASE, "glibc program without the GCC runtime libraries: distroless base");
        }
    }
}
