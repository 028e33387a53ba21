package dev.distill.engine.distroless;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The host tools Distill's verifier runs (dev.distill.engine.runtime and .verification) as they go into its image,
 * {@code <registry>/distill/java17-runc:latest}: the Java base as root plus these programs and, from the packages
 * listed by hand, only the library files their ELF closures reach. No shell, no package manager: only the programs.
 */
public final class VerifierToolsRecipe {

    /** The image name under the bases' repository; only a root variant ({@code latest}): runc needs root. */
    public static final String FLAVOUR = "java17-runc";

    /** Each program the verifier starts, and the package it comes from. */
    public static final Map<String, String> PROGRAMS;

    static {
        Map<String, String> programs = new LinkedHashMap<>();
        programs.put("/usr/sbin/runc", "runc");          // the OCI runtime: runs sources and results
        programs.put("/usr/bin/strace", "strace");       // traces the files a run failed to open, and exit statuses
        programs.put("/usr/bin/nsenter", "util-linux");  // probes from inside a pod's network namespace
        programs.put("/usr/bin/curl", "curl");           // the HTTP probes
        programs.put("/usr/bin/mkfifo", "coreutils");    // the FIFO a container's output is read through
        PROGRAMS = java.util.Collections.unmodifiableMap(programs);
    }

    /** Where the programs' libraries come from, beyond the cc base. */
    public static final List<String> LIBRARY_PACKAGES = List.of("libseccomp2", "libunwind8", "liblzma5", "libselinux1",
            "libpcre2-8-0", "libcurl4", "libnghttp2-14", "libidn2-0", "libunistring2", "librtmp1", "libgnutls30",
            "libhogweed6", "libnettle8", "libgmp10", "libtasn1-6", "libp11-kit0", "libffi8", "libssh2-1", "libpsl5",
            "libgssapi-krb5-2", "libkrb5-3", "libk5crypto3", "libkrb5support0", "libcom-err2", "libkeyutils1",
            "libldap-2.5-0", "libsasl2-2", "libzstd1", "libbrotli1", "zlib1g");

    private VerifierToolsRecipe() {
    }

    /** The program packages, then the library packages, each once. */
    public static List<String> allPackages() {
        return java.util.stream.Stream.concat(PROGRAMS.values().stream(), LIBRARY_PACKAGES.stream()).distinct().toList();
    }
}
