package dev.distill.engine.sbom;

import com.github.packageurl.MalformedPackageURLException;
import com.github.packageurl.PackageURL;
import dev.distill.engine.packages.InstalledPackage;
import dev.distill.engine.packages.PackageManager;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Package URLs as scanners match them: {@code pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12} (with
 * {@code upstream=<source>} when the source package has another name), {@code pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64},
 * and {@code pkg:oci/php@sha256:...?repository_url=host/shop/php&tag=1} for images.
 */
public final class Purls {

    private Purls() {
    }

    public static String of(InstalledPackage p, ImageContents.Distro distro) {
        TreeMap<String, String> qualifiers = new TreeMap<>();
        if (!p.architecture().isEmpty()) {
            qualifiers.put("arch", p.architecture());
        }
        if (distro != null && distro.id() != null && !distro.id().isBlank()) {
            qualifiers.put("distro", distro.qualifier());
        }
        if (!p.source().equals(p.name())) {
            qualifiers.put("upstream", p.source() + (p.sourceVersion() == null ? "" : "@" + p.sourceVersion()));
        }
        boolean apk = p.manager() == PackageManager.APK;
        String namespace = distro != null && distro.id() != null && !distro.id().isBlank()
                ? distro.id().toLowerCase(Locale.ROOT) : apk ? "alpine" : "debian";
        return build(apk ? "apk" : "deb", namespace, p.name(), p.version(), qualifiers);
    }

    public static String of(ImageContents.Image image) {
        TreeMap<String, String> qualifiers = new TreeMap<>();
        qualifiers.put("repository_url", image.repository());
        if (image.tag() != null) {
            qualifiers.put("tag", image.tag());
        }
        if (image.architecture() != null) {
            qualifiers.put("arch", image.architecture());
        }
        String name = image.repository().substring(image.repository().lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        return build("oci", null, name, image.digest().toString(), qualifiers);
    }

    private static String build(String type, String namespace, String name, String version, TreeMap<String, String> qualifiers) {
        try {
            return new PackageURL(type, namespace, name, version, qualifiers.isEmpty() ? null : qualifiers, null).canonicalize();
        } catch (MalformedPackageURLException e) {
            throw new IllegalArgumentException("no package URL for " + type + " " + namespace + "/" + name + "@" + version
                    + ": " + e.getMessage(), e);
        }
    }
}
