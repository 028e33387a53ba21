package dev.distill.engine.sbom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.packages.CarriedPackage;
import dev.distill.engine.packages.InstalledPackage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Writes an image's contents as an SPDX 2.3 JSON document: the result, base and source images and every package
 * as SPDX packages (purls as external references; {@code filesAnalyzed: false}), the carried regular files of no
 * package as SPDX files (SHA-1, which SPDX requires, and SHA-256), and the relationships: the document DESCRIBES the
 * result, which is a DESCENDANT_OF the source and CONTAINS the base, the carried packages and the files of no package;
 * the base CONTAINS its packages.
 *
 * <p>A package with {@code filesAnalyzed: false} may not contain files (SPDX 2.3, 7.8), and the image has far more
 * files than these: the files of no package go into a package of their own ({@code SPDXRef-Unpackaged}, files
 * analysed, with its verification code), which the image CONTAINS.
 *
 * <p>Declared licences are not SPDX expressions in Debian's spelling ({@code GPL-2+}), so {@code licenseDeclared}
 * stays {@code NOASSERTION} and the declared names go into {@code licenseComments}. {@code created} is the epoch,
 * like the images' own {@code created}: the same image always gets the same document.
 */
public final class SpdxSbom {

    public static final String MEDIA_TYPE = "application/spdx+json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String NOASSERTION = "NOASSERTION";
    private static final String UNPACKAGED = "SPDXRef-Unpackaged";

    private SpdxSbom() {
    }

    public static byte[] write(ImageContents contents) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("spdxVersion", "SPDX-2.3");
        doc.put("dataLicense", "CC0-1.0");
        doc.put("SPDXID", "SPDXRef-DOCUMENT");
        doc.put("name", contents.result().reference());
        doc.put("documentNamespace", "urn:uuid:" + UUID.nameUUIDFromBytes(("spdx " + contents.result().digest())
                .getBytes(StandardCharsets.UTF_8)));
        ObjectNode creation = doc.putObject("creationInfo");
        creation.put("created", "1970-01-01T00:00:00Z");
        creation.putArray("creators").add("Tool: distill-" + contents.toolVersion());
        ArrayNode packages = doc.putArray("packages");
        ArrayNode files = doc.putArray("files");
        ArrayNode relationships = doc.putArray("relationships");

        packages.add(image("SPDXRef-Image", contents.result(), "the result image" + (contents.program() == null ? ""
                : ", running " + contents.program())));
        packages.add(image("SPDXRef-Source", contents.source(), "the source image the result was made from"));
        packages.add(image("SPDXRef-Base", contents.base(), "the distroless base of the result"));
        relate(relationships, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image");
        relate(relationships, "SPDXRef-Image", "DESCENDANT_OF", "SPDXRef-Source");
        relate(relationships, "SPDXRef-Image", "CONTAINS", "SPDXRef-Base");
        int n = 0;
        for (InstalledPackage p : contents.basePackages()) {
            String id = "SPDXRef-BasePackage-" + (++n);
            packages.add(library(id, p, contents.baseDistro(), null));
            relate(relationships, "SPDXRef-Base", "CONTAINS", id);
        }
        n = 0;
        for (CarriedPackage c : contents.packages()) {
            String id = "SPDXRef-Package-" + (++n);
            packages.add(library(id, c.installed(), contents.sourceDistro(), c.partial()
                    ? "Partly carried: " + c.carried().size() + " of " + c.installed().files().size() + " files ("
                            + c.carriedBytes() + " of " + c.installed().size() + " bytes) are in the image."
                    : "Carried in full: " + c.carried().size() + " files."));
            relate(relationships, "SPDXRef-Image", "CONTAINS", id);
        }
        List<ImageContents.LooseFile> loose = contents.unpackaged().stream().filter(f -> f.sha1() != null).toList();
        if (!loose.isEmpty()) { // SPDX files need a SHA-1: symlinks are in the CycloneDX SBOM only
            packages.add(unpackaged(contents, loose));
            relate(relationships, "SPDXRef-Image", "CONTAINS", UNPACKAGED);
        }
        n = 0;
        for (ImageContents.LooseFile f : loose) {
            String id = "SPDXRef-File-" + (++n);
            ObjectNode file = files.addObject();
            file.put("fileName", "." + f.path());
            file.put("SPDXID", id);
            ArrayNode sums = file.putArray("checksums");
            sums.addObject().put("algorithm", "SHA1").put("checksumValue", f.sha1());
            if (f.sha256() != null) {
                sums.addObject().put("algorithm", "SHA256").put("checksumValue", f.sha256());
            }
            file.put("licenseConcluded", NOASSERTION);
            file.put("copyrightText", NOASSERTION);
            if (f.reason() != null && !f.reason().isBlank()) {
                file.put("comment", "From no package of the source; carried because: " + f.reason());
            }
            relate(relationships, UNPACKAGED, "CONTAINS", id);
        }
        if (files.isEmpty()) {
            doc.remove("files");
        }
        try {
            return JSON.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the SPDX document of " + contents.result().reference(), e);
        }
    }

    private static ObjectNode image(String id, ImageContents.Image image, String comment) {
        ObjectNode p = JSON.createObjectNode();
        p.put("name", image.repository());
        p.put("SPDXID", id);
        p.put("versionInfo", image.digest().toString());
        p.put("downloadLocation", NOASSERTION);
        p.put("filesAnalyzed", false);
        p.put("primaryPackagePurpose", "CONTAINER");
        p.putArray("checksums").addObject().put("algorithm", "SHA256").put("checksumValue", image.digest().hex());
        p.put("licenseConcluded", NOASSERTION);
        p.put("licenseDeclared", NOASSERTION);
        p.put("copyrightText", NOASSERTION);
        purl(p, Purls.of(image));
        p.put("comment", comment);
        return p;
    }

    /** The package of the carried files of no package: exactly those files, so its files are analysed. */
    private static ObjectNode unpackaged(ImageContents contents, List<ImageContents.LooseFile> files) {
        ObjectNode p = JSON.createObjectNode();
        p.put("name", contents.result().repository() + " files of no package");
        p.put("SPDXID", UNPACKAGED);
        p.put("downloadLocation", NOASSERTION);
        p.put("filesAnalyzed", true);
        p.putObject("packageVerificationCode").put("packageVerificationCodeValue", verificationCode(files));
        p.put("primaryPackagePurpose", "OTHER");
        p.put("licenseConcluded", NOASSERTION);
        p.put("licenseDeclared", NOASSERTION);
        p.put("copyrightText", NOASSERTION);
        p.put("comment", "Files the result carries from the source that no package of the source installed (the"
                + " application, configuration written after installation).");
        return p;
    }

    /** SPDX's package verification code: the SHA-1 of the files' SHA-1s (lower-case hex), sorted and concatenated. */
    private static String verificationCode(List<ImageContents.LooseFile> files) {
        String joined = String.join("", files.stream().map(f -> f.sha1().toLowerCase(Locale.ROOT)).sorted().toList());
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(joined.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    private static ObjectNode library(String id, InstalledPackage pkg, ImageContents.Distro distro, String comment) {
        ObjectNode p = JSON.createObjectNode();
        p.put("name", pkg.name());
        p.put("SPDXID", id);
        p.put("versionInfo", pkg.version());
        p.put("downloadLocation", NOASSERTION);
        p.put("filesAnalyzed", false);
        p.put("primaryPackagePurpose", "LIBRARY");
        p.put("licenseConcluded", NOASSERTION);
        p.put("licenseDeclared", NOASSERTION);
        if (!pkg.licenses().isEmpty()) {
            p.put("licenseComments", "Declared by the package: " + String.join("; ", pkg.licenses()));
        }
        p.put("copyrightText", NOASSERTION);
        if (!pkg.source().equals(pkg.name())) {
            p.put("sourceInfo", "built from the " + pkg.manager().name().toLowerCase() + " source package " + pkg.source()
                    + (pkg.sourceVersion() == null ? "" : " " + pkg.sourceVersion()));
        }
        purl(p, Purls.of(pkg, distro));
        if (comment != null) {
            p.put("comment", comment);
        }
        return p;
    }

    private static void purl(ObjectNode p, String purl) {
        p.putArray("externalRefs").addObject().put("referenceCategory", "PACKAGE-MANAGER").put("referenceType", "purl")
                .put("referenceLocator", purl);
    }

    private static void relate(ArrayNode relationships, String from, String type, String to) {
        relationships.addObject().put("spdxElementId", from).put("relationshipType", type).put("relatedSpdxElement", to);
    }
}
