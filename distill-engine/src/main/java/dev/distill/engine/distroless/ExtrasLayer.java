package dev.distill.engine.distroless;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The files distroless adds to every base on top of the packages; the same layer for all six images. */
final class ExtrasLayer {

    static final String OS_RELEASE = "/usr/lib/os-release";
    private static final int NONROOT = BaseVariant.NONROOT.uid();

    private ExtrasLayer() {
    }

    /**
     * @param debianOsRelease base-files' {@code /usr/lib/os-release}, whose Debian version the image keeps
     */
    static LayerTree tree(byte[] debianOsRelease) throws DistrolessBuildException {
        LayerTree tree = new LayerTree("distroless extras");
        tree.directory("/etc", 0755, 0, 0);
        tree.file("/etc/passwd", 0644, 0, 0, bytes(DistrolessRecipe.PASSWD));
        tree.file("/etc/group", 0644, 0, 0, bytes(DistrolessRecipe.GROUP));
        tree.file("/etc/nsswitch.conf", 0644, 0, 0, bytes(DistrolessRecipe.NSSWITCH));
        // base-files has the same link; written again so the image has it whatever base-files does.
        tree.symlink("/etc/os-release", "../usr/lib/os-release", 0, 0);
        tree.file(OS_RELEASE, 0644, 0, 0, bytes(osRelease(debianOsRelease)));
        tree.directory("/home", 0755, 0, 0);
        tree.directory("/home/nonroot", 0700, NONROOT, NONROOT);
        tree.directory("/root", 0700, 0, 0);
        tree.directory("/tmp", 01777, 0, 0);
        return tree;
    }

    /**
     * distroless's os-release: {@code PRETTY_NAME="Distroless"}, the rest naming the Debian release it is made of,
     * with {@code VERSION} spelled as distroless spells it ("Debian GNU/Linux 12 (bookworm)").
     */
    static String osRelease(byte[] debianOsRelease) throws DistrolessBuildException {
        Map<String, String> debian = new LinkedHashMap<>();
        for (String line : new String(debianOsRelease, StandardCharsets.UTF_8).split("\n")) {
            int equals = line.indexOf('=');
            if (equals > 0 && !line.startsWith("#")) {
                debian.put(line.substring(0, equals), unquote(line.substring(equals + 1).strip()));
            }
        }
        for (String key : new String[] {"NAME", "ID", "VERSION_ID", "VERSION_CODENAME"}) {
            if (!debian.containsKey(key)) {
                throw new DistrolessBuildException("base-files' " + OS_RELEASE + " has no " + key + ": " + debian.keySet());
            }
        }
        return "PRETTY_NAME=\"Distroless\"\n"
                + "NAME=\"" + debian.get("NAME") + "\"\n"
                + "ID=\"" + debian.get("ID") + "\"\n"
                + "VERSION_ID=\"" + debian.get("VERSION_ID") + "\"\n"
                + "VERSION=\"" + debian.get("NAME") + " " + debian.get("VERSION_ID") + " (" + debian.get("VERSION_CODENAME") + ")\"\n";
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
