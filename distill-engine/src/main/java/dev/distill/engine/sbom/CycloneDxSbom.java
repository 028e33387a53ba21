package dev.distill.engine.sbom;

import dev.distill.engine.packages.CarriedPackage;
import dev.distill.engine.packages.InstalledPackage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.cyclonedx.Version;
import org.cyclonedx.exception.GeneratorException;
import org.cyclonedx.generators.BomGeneratorFactory;
import org.cyclonedx.model.Ancestors;
import org.cyclonedx.model.Bom;
import org.cyclonedx.model.Component;
import org.cyclonedx.model.Dependency;
import org.cyclonedx.model.Hash;
import org.cyclonedx.model.License;
import org.cyclonedx.model.LicenseChoice;
import org.cyclonedx.model.Metadata;
import org.cyclonedx.model.Pedigree;
import org.cyclonedx.model.Property;
import org.cyclonedx.model.metadata.ToolInformation;

/**
 * Writes an image's contents as a CycloneDX 1.6 JSON SBOM (with cyclonedx-core-java's model and generator).
 *
 * <ul>
 *   <li>{@code metadata.component}: the result image ({@code container}, its {@code pkg:oci} URL), with the source
 *       image as its {@code pedigree.ancestors};</li>
 *   <li>the base image as a {@code container} component whose own components are the base's packages;</li>
 *   <li>each source package the image carries files of as a {@code library} (name, version, purl, the licences its
 *       copyright file or apk record declares), with {@code distill:carried} {@code full} or {@code partial} and
 *       the counts and bytes of its files carried and in the source;</li>
 *   <li>each carried file of no package as a {@code file} component (its path; SHA-256 for a regular file).</li>
 * </ul>
 * Licences are written by the names the package declares ({@code GPL-2+}, as Debian spells them): they are not all
 * SPDX identifiers, and the SBOM says what the package says rather than a guess. No timestamp, and a serial number
 * derived from the image digest: the same image always gets the same bytes.
 */
public final class CycloneDxSbom {

    public static final String MEDIA_TYPE = "application/vnd.cyclonedx+json";
    public static final Version VERSION = Version.VERSION_16;

    private CycloneDxSbom() {
    }

    public static byte[] write(ImageContents contents) {
        Bom bom = new Bom();
        bom.setSerialNumber("urn:uuid:" + UUID.nameUUIDFromBytes(("cyclonedx " + contents.result().digest())
                .getBytes(StandardCharsets.UTF_8)));
        bom.setVersion(1);
        Metadata metadata = new Metadata();
        metadata.setTimestamp(null); // the model stamps the current time: leave it out, so the bytes depend on the image only
        ToolInformation tools = new ToolInformation();
        Component tool = new Component();
        tool.setType(Component.Type.APPLICATION);
        tool.setName("distill");
        tool.setVersion(contents.toolVersion());
        tools.setComponents(List.of(tool));
        metadata.setToolChoice(tools);

        Component result = image(contents.result());
        if (contents.program() != null) {
            result.addProperty(new Property("distill:program", contents.program()));
        }
        Pedigree pedigree = new Pedigree();
        Ancestors ancestors = new Ancestors();
        ancestors.addComponent(image(contents.source()));
        pedigree.setAncestors(ancestors);
        pedigree.setNotes("Made by Distill from the source image: its program with the files it needs, on a distroless base.");
        result.setPedigree(pedigree);
        metadata.setComponent(result);
        bom.setMetadata(metadata);

        List<Component> components = new ArrayList<>();
        Component base = image(contents.base());
        base.addProperty(new Property("distill:role", "base"));
        List<Component> basePackages = new ArrayList<>();
        Set<String> refs = new LinkedHashSet<>();
        for (InstalledPackage p : contents.basePackages()) {
            Component c = library(p, contents.baseDistro());
            if (refs.add(c.getBomRef())) {
                basePackages.add(c);
            }
        }
        if (!basePackages.isEmpty()) {
            base.setComponents(basePackages);
        }
        components.add(base);
        List<String> carriedRefs = new ArrayList<>();
        for (CarriedPackage p : contents.packages()) {
            Component c = library(p.installed(), contents.sourceDistro());
            if (!refs.add(c.getBomRef())) {
                // The base records the same package at the same version: its component stands for both.
                c.setBomRef(c.getBomRef() + "#carried");
                refs.add(c.getBomRef());
            }
            c.addProperty(new Property("distill:origin", "source"));
            c.addProperty(new Property("distill:carried", p.partial() ? "partial" : "full"));
            c.addProperty(new Property("distill:files.carried", String.valueOf(p.carried().size())));
            c.addProperty(new Property("distill:files.total", String.valueOf(p.installed().files().size())));
            c.addProperty(new Property("distill:bytes.carried", String.valueOf(p.carriedBytes())));
            c.addProperty(new Property("distill:bytes.total", String.valueOf(p.installed().size())));
            components.add(c);
            carriedRefs.add(c.getBomRef());
        }
        for (ImageContents.LooseFile f : contents.unpackaged()) {
            Component c = new Component();
            c.setType(Component.Type.FILE);
            c.setBomRef("file:" + f.path());
            c.setName(f.path());
            if (f.sha256() != null) {
                c.addHash(new Hash(Hash.Algorithm.SHA_256, f.sha256()));
            }
            if (f.sha1() != null) {
                c.addHash(new Hash(Hash.Algorithm.SHA1, f.sha1()));
            }
            c.addProperty(new Property("distill:origin", "source, no package"));
            c.addProperty(new Property("distill:size", String.valueOf(f.size())));
            if (f.linkTarget() != null) {
                c.addProperty(new Property("distill:link.target", f.linkTarget()));
            }
            if (f.reason() != null && !f.reason().isBlank()) {
                c.addProperty(new Property("distill:reason", f.reason()));
            }
            components.add(c);
            carriedRefs.add(c.getBomRef());
        }
        bom.setComponents(components);

        Dependency image = new Dependency(result.getBomRef());
        image.addDependency(new Dependency(base.getBomRef()));
        carriedRefs.forEach(ref -> image.addDependency(new Dependency(ref)));
        bom.addDependency(image);
        try {
            return BomGeneratorFactory.createJson(VERSION, bom).toJsonString().getBytes(StandardCharsets.UTF_8);
        } catch (GeneratorException e) {
            throw new IllegalStateException("cannot write the CycloneDX SBOM of " + contents.result().reference(), e);
        }
    }

    private static Component image(ImageContents.Image image) {
        Component c = new Component();
        c.setType(Component.Type.CONTAINER);
        c.setName(image.repository());
        c.setVersion(image.digest().toString());
        String purl = Purls.of(image);
        c.setPurl(purl);
        c.setBomRef(purl);
        c.addHash(new Hash(Hash.Algorithm.SHA_256, image.digest().hex()));
        return c;
    }

    private static Component library(InstalledPackage p, ImageContents.Distro distro) {
        Component c = new Component();
        c.setType(Component.Type.LIBRARY);
        c.setName(p.name());
        c.setVersion(p.version());
        String purl = Purls.of(p, distro);
        c.setPurl(purl);
        c.setBomRef(purl);
        if (!p.licenses().isEmpty()) {
            LicenseChoice licenses = new LicenseChoice();
            for (String name : p.licenses()) {
                License l = new License();
                l.setName(name);
                licenses.addLicense(l);
            }
            c.setLicenses(licenses);
        }
        if (!p.source().equals(p.name())) {
            c.addProperty(new Property("distill:source.package", p.source()
                    + (p.sourceVersion() == null ? "" : " " + p.sourceVersion())));
        }
        return c;
    }
}
