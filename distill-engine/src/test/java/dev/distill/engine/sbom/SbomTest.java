package dev.distill.engine.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.Digest;
import dev.distill.engine.packages.CarriedPackage;
import dev.distill.engine.packages.InstalledPackage;
import dev.distill.engine.packages.PackageDatabaseReader;
import dev.distill.engine.packages.PackageInventory;
import dev.distill.engine.packages.PackageManager;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.cyclonedx.exception.ParseException;
import org.cyclonedx.parsers.JsonParser;
import org.junit.jupiter.api.Test;
import org.spdx.library.model.v2.SpdxDocument;

/** The SBOMs of one small result image, checked against the CycloneDX 1.6 schema and by what they say. */
class SbomTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Digest RESULT = Digest.sha256(new byte[] {1});
    private static final Digest SOURCE = Digest.sha256(new byte[] {2});
    private static final Digest BASE = Digest.sha256(new byte[] {3});

    static ImageContents contents() throws Exception {
        MemoryFileSystem source = MemoryFileSystem.builder()
                .directory("/usr", 0755).directory("/usr/lib", 0755).file("/usr/lib/libz.so.1.2.13", "zlib")
                .symlink("/usr/lib/libz.so.1", "libz.so.1.2.13").directory("/etc", 0755).file("/etc/app.conf", "x=1\n")
                .directory("/var", 0755).directory("/var/lib", 0755).directory("/var/lib/dpkg", 0755)
                .directory("/var/lib/dpkg/info", 0755)
                .file("/var/lib/dpkg/status", "Package: libz1\nStatus: install ok installed\nArchitecture: amd64\n"
                        + "Source: zlib (1:1.2.13-1)\nVersion: 1:1.2.13-1+b1\n\nPackage: libc6\nStatus: install ok installed\n"
                        + "Architecture: amd64\nVersion: 2.36-9\n")
                .file("/var/lib/dpkg/info/libz1:amd64.list", "/.\n/usr/lib/libz.so.1\n/usr/lib/libz.so.1.2.13\n/usr/lib/gone.a\n")
                .file("/var/lib/dpkg/info/libc6.list", "/.\n/usr/lib/libc.so.6\n")
                .build();
        PackageDatabaseReader reader = new PackageDatabaseReader();
        source.readAll(source.entries().filter(FileEntry::isRegular).toList(), reader.visitor());
        PackageInventory inventory = reader.inventory(source);
        List<CarriedPackage> carried = CarriedPackage.of(inventory, Set.of("/usr/lib/libz.so.1.2.13", "/etc/app.conf"));
        InstalledPackage baseLibc = new InstalledPackage(PackageManager.DPKG, "libc6", "2.36-9+deb12u7", "amd64", "glibc",
                null, List.of("LGPL-2.1+"), "Package: libc6\n", "/var/lib/dpkg/status.d/libc6", List.of(), null, null);
        return new ImageContents(
                new ImageContents.Image("127.0.0.1:5000/shop/php", "1-distroless", RESULT, "amd64"),
                new ImageContents.Image("127.0.0.1:5000/distill/base", "nonroot", BASE, "amd64"),
                new ImageContents.Image("127.0.0.1:5000/shop/php", "1", SOURCE, "amd64"),
                "php-fpm", new ImageContents.Distro("debian", "12"), new ImageContents.Distro("debian", "12"), carried,
                List.of(baseLibc), List.of(new ImageContents.LooseFile("/etc/app.conf", 4, null, "ab".repeat(32),
                        "cd".repeat(20), "the program reads it")), "1.0");
    }

    @Test
    void theCycloneDxSbomIsValidAndSaysWhatTheImageCarries() throws Exception {
        byte[] sbom = CycloneDxSbom.write(contents());

        List<ParseException> errors = new JsonParser().validate(sbom, CycloneDxSbom.VERSION);
        assertThat(errors).as("CycloneDX 1.6 schema").isEmpty();
        byte[] broken = new String(sbom, java.nio.charset.StandardCharsets.UTF_8).replace("\"library\"", "\"librarian\"")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(new JsonParser().validate(broken, CycloneDxSbom.VERSION)).as("the schema does check").isNotEmpty();
        JsonNode bom = JSON.readTree(sbom);
        assertThat(bom.path("specVersion").asText()).isEqualTo("1.6");
        assertThat(bom.path("metadata").has("timestamp")).isFalse();
        JsonNode image = bom.at("/metadata/component");
        assertThat(image.path("type").asText()).isEqualTo("container");
        assertThat(image.path("purl").asText()).isEqualTo("pkg:oci/php@sha256%3A" + RESULT.hex()
                + "?arch=amd64&repository_url=127.0.0.1%3A5000%2Fshop%2Fphp&tag=1-distroless");
        assertThat(image.at("/pedigree/ancestors/0/version").asText()).isEqualTo(SOURCE.toString());
        assertThat(image.at("/pedigree/ancestors/0/name").asText()).isEqualTo("127.0.0.1:5000/shop/php");
        JsonNode components = bom.path("components");
        JsonNode base = components.get(0);
        assertThat(base.path("version").asText()).isEqualTo(BASE.toString());
        assertThat(base.at("/components/0/purl").asText())
                .isEqualTo("pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12&upstream=glibc");
        assertThat(base.at("/components/0/licenses/0/license/name").asText()).isEqualTo("LGPL-2.1+");
        JsonNode zlib = components.get(1);
        assertThat(zlib.path("type").asText()).isEqualTo("library");
        assertThat(zlib.path("purl").asText())
                .isEqualTo("pkg:deb/debian/libz1@1%3A1.2.13-1%2Bb1?arch=amd64&distro=debian-12&upstream=zlib%401%3A1.2.13-1");
        assertThat(properties(zlib)).contains("distill:carried=partial", "distill:files.carried=1", "distill:files.total=2",
                "distill:bytes.carried=4", "distill:bytes.total=4");
        JsonNode file = components.get(2);
        assertThat(file.path("type").asText()).isEqualTo("file");
        assertThat(file.path("name").asText()).isEqualTo("/etc/app.conf");
        assertThat(file.at("/hashes/0/alg").asText()).isEqualTo("SHA-256");
        assertThat(components).hasSize(3).as("libc6 of the source is not carried");
        assertThat(bom.at("/dependencies/0/dependsOn")).hasSize(3);
        assertThat(CycloneDxSbom.write(contents())).as("the same image, the same bytes").isEqualTo(sbom);
    }

    @Test
    void theSpdxDocumentNamesEveryPackageAndHowItRelatesToTheImage() throws Exception {
        JsonNode doc = JSON.readTree(SpdxSbom.write(contents()));

        assertThat(doc.path("spdxVersion").asText()).isEqualTo("SPDX-2.3");
        assertThat(doc.path("dataLicense").asText()).isEqualTo("CC0-1.0");
        assertThat(doc.path("documentNamespace").asText()).startsWith("urn:uuid:");
        assertThat(doc.at("/creationInfo/creators/0").asText()).isEqualTo("Tool: distill-1.0");
        List<String> ids = new ArrayList<>();
        doc.path("packages").forEach(p -> {
            ids.add(p.path("SPDXID").asText());
            for (String required : List.of("name", "SPDXID", "downloadLocation")) {
                assertThat(p.has(required)).as(p.path("SPDXID") + " " + required).isTrue();
            }
            // Images and packages have a version; the files of no package do not.
            assertThat(p.has("versionInfo")).as(p.path("SPDXID") + " versionInfo")
                    .isEqualTo(!p.path("SPDXID").asText().equals("SPDXRef-Unpackaged"));
            assertThat(p.path("SPDXID").asText()).matches("SPDXRef-[A-Za-z0-9.-]+");
        });
        doc.path("files").forEach(f -> ids.add(f.path("SPDXID").asText()));
        assertThat(ids).containsExactly("SPDXRef-Image", "SPDXRef-Source", "SPDXRef-Base", "SPDXRef-BasePackage-1",
                "SPDXRef-Package-1", "SPDXRef-Unpackaged", "SPDXRef-File-1");
        ids.add("SPDXRef-DOCUMENT");
        doc.path("relationships").forEach(r -> {
            assertThat(ids).contains(r.path("spdxElementId").asText(), r.path("relatedSpdxElement").asText());
        });
        assertThat(StreamSupport.stream(doc.path("relationships").spliterator(), false)
                .map(r -> r.path("spdxElementId").asText() + " " + r.path("relationshipType").asText() + " "
                        + r.path("relatedSpdxElement").asText()).toList())
                .contains("SPDXRef-DOCUMENT DESCRIBES SPDXRef-Image", "SPDXRef-Image DESCENDANT_OF SPDXRef-Source",
                        "SPDXRef-Base CONTAINS SPDXRef-BasePackage-1", "SPDXRef-Image CONTAINS SPDXRef-Package-1",
                        "SPDXRef-Image CONTAINS SPDXRef-Unpackaged", "SPDXRef-Unpackaged CONTAINS SPDXRef-File-1");
        JsonNode zlib = doc.path("packages").get(4);
        assertThat(zlib.path("comment").asText()).contains("Partly carried: 1 of 2 files");
        assertThat(zlib.at("/externalRefs/0/referenceLocator").asText()).startsWith("pkg:deb/debian/libz1@");
        assertThat(doc.at("/files/0/checksums/0/algorithm").asText()).isEqualTo("SHA1");
        assertThat(doc.at("/files/0/fileName").asText()).isEqualTo("./etc/app.conf");
    }

    /** Read back by the SPDX project's own library, which verifies it as SPDX 2.3 (and does find a broken one). */
    @Test
    void theSpdxLibraryReadsTheDocumentAndFindsNothingWrong() throws Exception {
        byte[] written = SpdxSbom.write(contents());
        SpdxDocument doc = SpdxVerifier.read(written);
        assertThat(doc.verify(doc.getSpecVersion())).as("SPDX 2.3 verification").isEmpty();
        assertThat(doc.getDocumentDescribes()).singleElement()
                .satisfies(e -> assertThat(e.getName()).hasValue("127.0.0.1:5000/shop/php"));

        ObjectNode broken = (ObjectNode) JSON.readTree(written);
        ((ObjectNode) broken.at("/files/0/checksums/0")).put("checksumValue", "not-a-sha1");
        ((ArrayNode) broken.path("relationships")).addObject().put("spdxElementId", "SPDXRef-Image")
                .put("relationshipType", "CONTAINS").put("relatedSpdxElement", "SPDXRef-Nowhere");
        List<String> problems;
        try {
            problems = SpdxVerifier.problems(JSON.writeValueAsBytes(broken));
        } catch (Exception e) {
            problems = List.of(String.valueOf(e.getMessage()));
        }
        assertThat(problems).as("the library does check").isNotEmpty();
    }

    private static List<String> properties(JsonNode component) {
        List<String> out = new ArrayList<>();
        component.path("properties").forEach(p -> out.add(p.path("name").asText() + "=" + p.path("value").asText()));
        return out;
    }
}
