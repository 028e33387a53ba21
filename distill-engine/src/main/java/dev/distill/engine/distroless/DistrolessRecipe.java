package dev.distill.engine.distroless;

import dev.distill.engine.plan.BaseImage;
import java.util.ArrayList;
import java.util.List;

/**
 * What each base holds, as distroless's Debian 12 images do: the packages, listed by hand and unpacked without
 * dependency resolution, and the files distroless adds on top (accounts, name service switch, os-release, /tmp,
 * home directories). The CA bundle is made from ca-certificates' certificates; the package itself is not carried.
 */
public final class DistrolessRecipe {

    /** The package whose certificates become {@code /etc/ssl/certs/ca-certificates.crt}. */
    public static final String CERTIFICATES_PACKAGE = "ca-certificates";

    public static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    public static final String SSL_CERT_FILE = PackageLayers.CA_BUNDLE;

    /** Exactly distroless's accounts: every shell is /sbin/nologin, which does not even exist in the image. */
    public static final String PASSWD = """
            root:x:0:0:root:/root:/sbin/nologin
            nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
            nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
            """;

    public static final String GROUP = """
            root:x:0:
            nobody:x:65534:
            tty:x:5:
            staff:x:50:
            nonroot:x:65532:
            """;

    /**
     * The same sources as distroless's. Go's resolver and glibc read {@code hosts:} to look in /etc/hosts before
     * DNS; without the file Go would guess an order, and glibc would fall back to its compiled-in defaults.
     */
    public static final String NSSWITCH = """
            passwd:         compat
            group:          compat
            shadow:         compat
            gshadow:        files

            hosts:          files dns
            networks:       files

            protocols:      db files
            services:       db files
            ethers:         db files
            rpc:            db files

            netgroup:       nis
            """;

    private static final List<String> STATIC = List.of("base-files", "netbase", "tzdata", "media-types", CERTIFICATES_PACKAGE);
    private static final List<String> BASE = List.of("libc6", "libssl3");
    private static final List<String> CC = List.of("gcc-12-base", "libgcc-s1", "libgomp1", "libstdc++6");

    private DistrolessRecipe() {
    }

    /** The packages of a flavour, in layer order (bottom first). */
    public static List<String> packages(BaseImage flavour) {
        List<String> packages = new ArrayList<>(STATIC);
        if (flavour != BaseImage.STATIC) {
            packages.addAll(BASE);
        }
        if (flavour == BaseImage.CC) {
            packages.addAll(CC);
        }
        return List.copyOf(packages);
    }

    /** Every package any flavour needs. */
    public static List<String> allPackages() {
        return packages(BaseImage.CC);
    }
}
