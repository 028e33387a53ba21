package dev.distill.engine.jvm;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import java.util.Comparator;
import java.util.List;

/**
 * A Java runtime's home directory in an image, such as {@code /usr/lib/jvm/java-17-openjdk-amd64}: a {@code bin/java}
 * launcher and the JVM itself, {@code lib/server/libjvm.so} (or {@code lib/client/}).
 *
 * <p>The launcher loads the JVM with {@code dlopen}, and the JVM loads the libraries of its {@code lib} directory
 * ({@code libjava.so}, {@code libnio.so}, ...) with {@code System.loadLibrary} afterwards. Those libraries name
 * {@code libjvm.so} in DT_NEEDED without a search path that reaches it: the loader finds it among the objects already
 * loaded, by its SONAME. So a library of a JVM home is resolved with the JVM preloaded ({@link #preloadedFor}).
 *
 * @param path the home directory, e.g. {@code /usr/lib/jvm/java-17-openjdk-amd64}
 * @param libjvm the JVM library, e.g. {@code <path>/lib/server/libjvm.so}
 */
public record JvmHome(String path, String libjvm) {

    private static final String LAUNCHER = "/bin/java";
    private static final List<String> JVM_LIBRARIES = List.of("/lib/server/libjvm.so", "/lib/client/libjvm.so");

    public JvmHome {
        if (path == null || !path.startsWith("/") || libjvm == null || !libjvm.startsWith(path + "/lib/")) {
            throw new IllegalArgumentException("a JVM home is an absolute directory with its libjvm below lib/, got "
                    + path + " and " + libjvm);
        }
    }

    /** Every JVM home of the image: a directory with a {@code bin/java} and a {@code lib/server} (or client) JVM. */
    public static List<JvmHome> find(ImageFileSystem fs) {
        return fs.entries()
                .filter(FileEntry::isRegular)
                .map(FileEntry::path)
                .flatMap(p -> JVM_LIBRARIES.stream().filter(p::endsWith).map(suffix -> new JvmHome(
                        p.substring(0, p.length() - suffix.length()), p)))
                .filter(home -> fs.entry(home.path() + LAUNCHER).isPresent())
                .distinct()
                .sorted(Comparator.comparing(JvmHome::path))
                .toList();
    }

    /**
     * What the JVM has loaded before it loads {@code library}: itself, when the library is one of this home's own
     * native libraries; nothing otherwise.
     */
    public List<String> preloadedFor(String library) {
        return library.startsWith(path + "/lib/") && !library.equals(libjvm) ? List.of(libjvm) : List.of();
    }

    /** The objects loaded before {@code library} by whichever of the homes hosts it. */
    public static List<String> preloadedFor(List<JvmHome> homes, String library) {
        return homes.stream().map(h -> h.preloadedFor(library)).filter(l -> !l.isEmpty()).findFirst().orElse(List.of());
    }

    /** The launcher, {@code <path>/bin/java}. */
    public String launcher() {
        return path + LAUNCHER;
    }
}
