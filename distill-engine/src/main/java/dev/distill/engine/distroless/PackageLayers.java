package dev.distill.engine.distroless;

import dev.distill.engine.debian.DataEntry;
import dev.distill.engine.debian.DebianPackage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The layer trees of packages: a package's files as its data.tar has them plus its dpkg status files, or, for
 * ca-certificates, only the bundle distroless makes of its certificates.
 */
final class PackageLayers {

    static final String STATUS_DIRECTORY = "/var/lib/dpkg/status.d/";
    static final String CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
    private static final String CERTIFICATES = "/usr/share/ca-certificates/";
    private static final String CA_COPYRIGHT = "/usr/share/doc/ca-certificates/copyright";
    private static final long MAX_CERTIFICATE_BYTES = 1024 * 1024;
    private static final String PEM_BEGIN = "-----BEGIN CERTIFICATE-----";
    /** Package contents are held in memory until written sorted; the largest base package (libc6) has ~13 MiB. */
    static final long MAX_PACKAGE_CONTENT_BYTES = 1024L * 1024 * 1024;

    /** The CA bundle's layer and how many certificates the bundle holds. */
    record Certificates(LayerTree tree, int count) {
    }

    private PackageLayers() {
    }

    /** Every file of the package, plus {@code /var/lib/dpkg/status.d/<package>} and its {@code .md5sums}. */
    static LayerTree packageTree(DebianPackage deb, List<OmittedEntry> omitted) throws IOException {
        LayerTree tree = new LayerTree("package " + deb.name());
        deb.walkData((entry, content) -> {
            switch (entry.type()) {
                case DIRECTORY -> tree.directory(entry.path(), entry.mode(), entry.uid(), entry.gid());
                case REGULAR -> {
                    if (tree.contentBytes() + entry.size() > MAX_PACKAGE_CONTENT_BYTES) {
                        throw new DistrolessBuildException("package " + deb.name() + " has more than " + MAX_PACKAGE_CONTENT_BYTES
                                + " bytes of files; a base package is far smaller");
                    }
                    tree.file(entry.path(), entry.mode(), entry.uid(), entry.gid(), content.readAllBytes());
                }
                case SYMLINK -> tree.symlink(entry.path(), entry.linkTarget(), entry.uid(), entry.gid());
                case HARDLINK -> tree.hardlink(entry.path(), entry.linkTarget(), entry.uid(), entry.gid());
                default -> omitted.add(new OmittedEntry(deb.name(), entry.path(), notCarried(entry)));
            }
        });
        addStatus(tree, deb, deb.md5sums().orElse(null));
        return tree;
    }

    /**
     * What distroless makes of ca-certificates: the certificates under {@code /usr/share/ca-certificates},
     * concatenated in path order into {@code /etc/ssl/certs/ca-certificates.crt}, and the copyright. The
     * package's other files (update-ca-certificates and its hooks, docs) are recorded as omitted; the single
     * certificate files are not, since every one of them is in the bundle.
     */
    static Certificates certificatesTree(DebianPackage deb, List<OmittedEntry> omitted) throws IOException {
        Map<String, byte[]> certificates = new TreeMap<>();
        byte[][] copyright = new byte[1][];
        List<OmittedEntry> others = new ArrayList<>();
        deb.walkData((entry, content) -> {
            switch (entry.type()) {
                case DIRECTORY -> {
                    // directories are recreated as the kept files need them
                }
                case REGULAR -> {
                    if (entry.path().startsWith(CERTIFICATES) && entry.path().endsWith(".crt")) {
                        if (entry.size() > MAX_CERTIFICATE_BYTES) {
                            throw new DistrolessBuildException("package " + deb + ": " + entry.path() + " has " + entry.size()
                                    + " bytes, more than a certificate file of " + MAX_CERTIFICATE_BYTES);
                        }
                        certificates.put(entry.path(), content.readAllBytes());
                    } else if (entry.path().equals(CA_COPYRIGHT)) {
                        copyright[0] = content.readAllBytes();
                    } else {
                        others.add(new OmittedEntry(deb.name(), entry.path(), "only the CA bundle and the copyright are carried, as in distroless"));
                    }
                }
                case SYMLINK, HARDLINK -> others.add(new OmittedEntry(deb.name(), entry.path(),
                        "only the CA bundle and the copyright are carried, as in distroless"));
                default -> others.add(new OmittedEntry(deb.name(), entry.path(), notCarried(entry)));
            }
        });
        if (certificates.isEmpty()) {
            throw new DistrolessBuildException("package " + deb + " has no certificates under " + CERTIFICATES);
        }
        StringBuilder bundle = new StringBuilder();
        int count = 0;
        for (Map.Entry<String, byte[]> certificate : certificates.entrySet()) {
            String pem = new String(certificate.getValue(), StandardCharsets.US_ASCII);
            int inFile = countOf(pem, PEM_BEGIN);
            if (inFile == 0) {
                throw new DistrolessBuildException("package " + deb + ": " + certificate.getKey() + " holds no PEM certificate");
            }
            count += inFile;
            bundle.append(pem);
            if (!pem.endsWith("\n")) {
                bundle.append('\n'); // the next certificate must start on a line of its own
            }
        }
        LayerTree tree = new LayerTree("package " + deb.name() + " (CA bundle)");
        tree.file(CA_BUNDLE, 0644, 0, 0, bundle.toString().getBytes(StandardCharsets.US_ASCII));
        if (copyright[0] != null) {
            tree.file(CA_COPYRIGHT, 0644, 0, 0, copyright[0]);
        }
        // Scanners verify md5sums against the files: list only the file that is there.
        byte[] md5sums = deb.md5sums().map(all -> keepLines(all, CA_COPYRIGHT.substring(1))).orElse(null);
        addStatus(tree, deb, md5sums);
        omitted.addAll(others);
        return new Certificates(tree, count);
    }

    /**
     * Only some files of a package, as a closure needs them (a library, the links to it): those entries of its
     * {@link #packageTree}, plus its status file, and its md5sums listing only the files carried, so a scanner still
     * knows the package and its version and can check what is there.
     */
    static LayerTree partialTree(DebianPackage deb, LayerTree full, java.util.Collection<String> carried)
            throws DistrolessBuildException {
        LayerTree tree = full.subset("package " + deb.name() + " (the files a closure needs)", carried);
        java.util.Set<String> kept = new java.util.HashSet<>();
        for (var e : tree.nodes().entrySet()) {
            if (e.getValue().kind() == LayerTree.Kind.FILE || e.getValue().kind() == LayerTree.Kind.HARDLINK) {
                kept.add(e.getKey().substring(1));
            }
        }
        byte[] md5sums = deb.md5sums().map(all -> keepLines(all, kept)).orElse(null);
        addStatus(tree, deb, md5sums);
        return tree;
    }

    private static void addStatus(LayerTree tree, DebianPackage deb, byte[] md5sums) throws DistrolessBuildException {
        String text = deb.control().text();
        tree.file(STATUS_DIRECTORY + deb.name(), 0644, 0, 0, (text.endsWith("\n") ? text : text + "\n").getBytes(StandardCharsets.UTF_8));
        if (md5sums != null) {
            tree.file(STATUS_DIRECTORY + deb.name() + ".md5sums", 0644, 0, 0, md5sums);
        }
    }

    private static String notCarried(DataEntry entry) {
        return "a " + entry.type().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + " cannot be carried in a layer Distill writes; the container runtime provides /dev";
    }

    private static byte[] keepLines(byte[] md5sums, String path) {
        return keepLines(md5sums, java.util.Set.of(path));
    }

    /** The md5sums lines (hash, two spaces, path without the leading slash) of the given paths only. */
    private static byte[] keepLines(byte[] md5sums, java.util.Set<String> paths) {
        StringBuilder kept = new StringBuilder();
        for (String line : new String(md5sums, StandardCharsets.UTF_8).split("\n")) {
            int gap = line.indexOf("  ");
            if (gap > 0 && paths.contains(line.substring(gap + 2))) {
                kept.append(line).append('\n');
            }
        }
        return kept.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int countOf(String text, String needle) {
        int count = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            count++;
        }
        return count;
    }
}
