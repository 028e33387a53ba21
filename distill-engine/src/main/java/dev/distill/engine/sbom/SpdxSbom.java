package dev.distill.engine.sbom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.packages.CarriedPackage;
import dev.distill.engine.packages.InstalledPackage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Writes an image's contents as an SPDX 2.3 JSON document: the result, base and source images and every package
 * as SPDX packages (purls as external references; {@code filesAnalyzed: false}), the carried regular files of no
 * package as SPDX files (SHA-1, which SPDX requires, and SHA-256), and the relationships: the document DESCRIBES the
 * result, which is a DESCENDANT_OF the source and CONTAINS the base, the carried packages and the files; the base
 * CONTAINS its packages.
 *
 * <p>Declared licences are not SPDX expressions in Debian's spelling ({@code GPL-2+}), so {@code licenseDeclared}
 * stays {@code NOASSERTION} and the declared names go into {@code licenseComments}. {@code created} is the epoch,
 * like the images' own {@code created}: the same image always gets the same document.
 */
public final class SpdxSbom {

    public static final String MEDIA_TYPE = "application/spdx+json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String NOASSERTION = "NOASSERTION";

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
        n = 0;
        for (ImageContents.LooseFile f : contents.unpackaged()) {
            if (f.sha1() == null) {
                continue; // SPDX files need a SHA-1: symlinks are in the CycloneDX SBOM only
            }
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
            relate(relationships, "SPDXRef-Image", "CONTAINS", id);
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
