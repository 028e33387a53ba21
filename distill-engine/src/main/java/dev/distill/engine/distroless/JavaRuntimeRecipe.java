package dev.distill.engine.distroless;

import java.util.List;

/**
 * What Distill's Java base holds on top of the {@code cc} base: the whole {@code openjdk-17-jre-headless} package, and
 * from the library packages listed here (by hand, as distroless lists packages) only the files the runtime's ELF
 * closure reaches, found with the loader's own rules ({@code ElfDependencyResolver}, with the JVM preloaded for the
 * JVM's own libraries). A library the closure needs that none of these packages has fails the build, naming it.
 */
public final class JavaRuntimeRecipe {

    /** The image name under the bases' repository: {@code <registry>/distill/java17:latest|nonroot}. */
    public static final String FLAVOUR = "java17";
    /** Carried whole: launcher, JVM, modules, its configuration under /etc/java-17-openjdk. */
    public static final String RUNTIME_PACKAGE = "openjdk-17-jre-headless";
    /**
     * Where the runtime's libraries come from (beyond the {@code cc} base): zlib for the launcher, image and font
     * libraries for java.desktop's headless parts, ALSA for javax.sound, PC/SC for javax.smartcardio.
     */
    public static final List<String> LIBRARY_PACKAGES = List.of("zlib1g", "libjpeg62-turbo", "liblcms2-2", "libfreetype6",
            "libpng16-16", "libbrotli1", "libharfbuzz0b", "libglib2.0-0", "libgraphite2-3", "libpcre2-8-0", "libasound2",
            "libpcsclite1");
    /** Where OpenJDK's {@code lib/security/cacerts} link points: Debian's ca-certificates-java would make it. */
    public static final String CACERTS = "/etc/ssl/certs/java/cacerts";
    /**
     * The C.UTF-8 locale's files, which Debian ships in libc-bin rather than with glibc: without a UTF-8 locale the JVM
     * cannot name a file that is not ASCII ({@code sun.jnu.encoding} follows the locale), and an image's layers have
     * such names (ca-certificates' own, for one).
     */
    public static final String LOCALE_PACKAGE = "libc-bin";
    public static final String LOCALE_DIRECTORY = "/usr/lib/locale/C.utf8";
    public static final String LANG = "C.UTF-8";
    /** The launcher on the PATH, as Debian's alternatives would link it. */
    public static final String JAVA_ON_PATH = "/usr/bin/java";

    private JavaRuntimeRecipe() {
    }

    /** Every package the Java base is built from, beyond the {@code cc} base's. */
    public static List<String> allPackages() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(RUNTIME_PACKAGE, LOCALE_PACKAGE),
                LIBRARY_PACKAGES.stream()).toList();
    }

    /** {@code /usr/lib/jvm/java-17-openjdk-<debian architecture>}, as the package lays it out. */
    public static String javaHome(String debianArchitecture) {
        return "/usr/lib/jvm/java-17-openjdk-" + debianArchitecture;
    }
}
