package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import dev.distill.engine.testing.LocalRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Builds the fixtures of the analysis into images on a real registry and inspects what was pushed, by pulling it
 * back: manifest, config and the merged filesystem of the result.
 */
class ImageAssemblerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static AssemblyRig rig;
    private static LocalRegistry registry;
    private static RegistryClient client;
    private static Path work;

    @BeforeAll
    static void start() throws Exception {
        rig = AssemblyRig.get();
        registry = rig.registry;
        client = rig.client;
        work = rig.work;
    }

    @Test
    void aMuslProgramGoesOntoTheStaticBaseWithEveryCarriedFileAsTheSourceHasIt() throws Exception {
        AssemblyRig.Analysed source = rig.analyse("fixtures/musl:1");
        ImageAssembler.Assembly assembly = assembler().assemble(rig.source(source, source.plan(), source.image().reference().tag()));
        List<ImageAssembler.ProgramImage> images = assembler().publish(assembly);

        assertThat(images).hasSize(1);
        ImageAssembler.ProgramImage image = images.get(0);
        assertThat(image.tag()).isEqualTo("1-distroless");
        assertThat(image.base()).endsWith("/distill/static:nonroot");
        ResolvedImage result = client.resolve(registry.reference("fixtures/musl:1-distroless"), Platform.LINUX_AMD64);
        assertThat(result.manifestDigest()).isEqualTo(image.pushed().manifestDigest());
        LayeredFileSystem fs = LayeredFileSystem.build(result, client, LayerLimits.defaults());
        ProgramPlan plan = source.plan().programs().get(0);
        assertCarriedAsInSource(plan, source.view(), fs);
        assertThat(fs.entry("/bin/sh")).isEmpty();
        assertThat(fs.entry("/bin/busybox")).isEmpty();
        assertThat(result.imageConfig().user()).isEqualTo("65532:65532");
        assertThat(result.imageConfig().entrypoint()).containsExactly(plan.command().get(0));
        assertThat(result.imageConfig().cmd()).isEqualTo(plan.command().subList(1, plan.command().size()));
        assertThat(result.imageConfig().labels()).containsEntry("dev.distill.program", plan.name());
        JsonNode manifest = JSON.readTree(image.pushed().manifest());
        assertThat(manifest.at("/annotations/org.opencontainers.image.base.name").asText()).endsWith("/distill/static:nonroot");
        assertThat(manifest.at("/annotations/org.opencontainers.image.base.digest").asText()).isEqualTo(image.baseDigest().toString());
        assertThat(manifest.at("/annotations/dev.distill.source.digest").asText()).isEqualTo(source.image().pushedDigest().toString());
        assertThat(manifest.at("/annotations/dev.distill.version").asText()).isEqualTo("test");
        assertThat(image.compressedSize()).isPositive().isLessThan(source.image().compressedLayerSize());
        assertThat(assembly.leftBehind().items()).extracting(LeftBehind.Item::path).contains("/bin/busybox");
    }

    @Test
    void aSupervisordImageBecomesOneImagePerProgramWithItsAccountsAndWritablePlaces() throws Exception {
        AssemblyRig.Analysed source = rig.analyse("fixtures/php:1");
        List<ImageAssembler.ProgramImage> images = assembler().publish(assembler().assemble(rig.source(source, source.plan(), source.image().reference().tag())));

        assertThat(images).extracting(ImageAssembler.ProgramImage::tag)
                .containsExactlyInAnyOrder("1-distroless-php-fpm", "1-distroless-nginx");
        for (ImageAssembler.ProgramImage image : images) {
            ResolvedImage result = client.resolve(registry.reference("fixtures/php:" + image.tag()), Platform.LINUX_AMD64);
            LayeredFileSystem fs = LayeredFileSystem.build(result, client, LayerLimits.defaults());
            ProgramPlan plan = source.plan().programs().stream().filter(p -> p.name().equals(image.program())).findFirst().orElseThrow();
            assertCarriedAsInSource(plan, source.view(), fs);
            for (String gone : List.of("/bin/sh", "/bin/bash", "/usr/bin/apt", "/usr/bin/dpkg", "/usr/bin/supervisord",
                    "/usr/bin/python3")) {
                assertThat(fs.entry(gone)).as(gone).isEmpty();
            }
            // Both programs drop to www-data in the source; the result runs as www-data from the start.
            assertThat(result.imageConfig().user()).isEqualTo("33:33");
            String passwd = new String(fs.read(fs.entry("/etc/passwd").orElseThrow(), 4096), StandardCharsets.UTF_8);
            assertThat(passwd).startsWith(TestBases.PASSWD).contains("www-data:x:33:33:");
            assertThat(new String(fs.read(fs.entry("/etc/group").orElseThrow(), 4096), StandardCharsets.UTF_8))
                    .contains("www-data:x:33:");
            FileEntry sockets = fs.entry("/run/php").orElseThrow();
            assertThat(sockets.isDirectory()).isTrue();
            assertThat(sockets.uid()).isEqualTo(33);
            assertThat(fs.entry("/tmp").orElseThrow().mode()).isEqualTo(01777);
            assertThat((long) image.files()).isGreaterThanOrEqualTo(plan.files().size() - countDirectories(plan));
        }
        // What both programs carry alike (libc, libssl, passwd, ...) is one layer right above the base, the same blob in
        // both images; each program's own layer is its top layer and holds nothing of the shared one.
        List<ResolvedImage> results = new ArrayList<>();
        for (ImageAssembler.ProgramImage image : images) {
            results.add(client.resolve(registry.reference("fixtures/php:" + image.tag()), Platform.LINUX_AMD64));
            assertThat(image.layers().sharedPrograms()).containsExactly(List.of("php-fpm", "nginx"));
            assertThat(image.layers().sharedCompressed()).isPositive();
            assertThat(image.compressedSize()).isEqualTo(image.layers().baseCompressed() + image.layers().sharedCompressed()
                    + image.layers().ownCompressed());
        }
        // Base, shared, the image's own package records (issue 16), its own files on top.
        assertThat(results).allSatisfy(r -> assertThat(r.layers()).hasSize(4));
        assertThat(results.get(0).layers().get(0)).isEqualTo(results.get(1).layers().get(0)); // the stand-in base
        assertThat(results.get(0).layers().get(1)).isEqualTo(results.get(1).layers().get(1));
        assertThat(results.get(0).layers().get(2)).isNotEqualTo(results.get(1).layers().get(2));
        assertThat(results.get(0).layers().get(3)).isNotEqualTo(results.get(1).layers().get(3));
        LayeredFileSystem shared = LayeredFileSystem.build(results.get(0).layers().subList(1, 2),
                BlobSource.registry(client, results.get(0).pinnedReference()), LayerLimits.defaults());
        assertThat(shared.entry("/etc/passwd")).isPresent();
        for (ResolvedImage r : results) {
            LayeredFileSystem own = LayeredFileSystem.build(r.layers().subList(3, 4), BlobSource.registry(client, r.pinnedReference()),
                    LayerLimits.defaults());
            assertThat(own.entries().filter(e -> !e.isDirectory()).map(FileEntry::path))
                    .doesNotContainAnyElementsOf(shared.entries().filter(e -> !e.isDirectory()).map(FileEntry::path).toList());
        }
    }

    @Test
    void buildingTwiceGivesTheSameDigests() throws Exception {
        AssemblyRig.Analysed source = rig.analyse("fixtures/php:1");
        ImageAssembler.Assembly first = assembler().assemble(rig.source(source, source.plan(), source.image().reference().tag()));
        ImageAssembler.Assembly second = assembler().assemble(rig.source(source, source.plan(), source.image().reference().tag()));

        assertThat(second.images()).extracting(i -> i.pushed().manifestDigest())
                .containsExactlyElementsOf(first.images().stream().map(i -> i.pushed().manifestDigest()).toList());
    }

    @Test
    void aPlanNamingAFileTheSourceLacksFailsAndTagsNothing() throws Exception {
        AssemblyRig.Analysed source = rig.analyse("fixtures/musl:1");
        ProgramPlan p = source.plan().programs().get(0);
        List<CarriedFile> files = new ArrayList<>(p.files());
        files.add(new CarriedFile("/usr/lib/libvanished.so.1", FileType.REGULAR, 0644, 0, 0, 10, null, "sha256:x",
                "test: not in the source"));
        ProgramPlan broken = p.withFiles(files);
        ImageAssembler.Source withMissing = rig.source(source, new MigrationPlan(List.of(broken), List.of(), List.of()),
                "missing");

        assertThatThrownBy(() -> assembler().assemble(withMissing))
                .isInstanceOf(AssemblyException.class)
                .hasMessageContaining("/usr/lib/libvanished.so.1").hasMessageContaining("no such file");
        assertThatThrownBy(() -> client.headDigest(registry.reference("fixtures/musl:missing-distroless")))
                .isInstanceOf(RegistryException.class);
    }

    @Test
    void aBaseThatCannotBePulledFailsNamingTheBase() throws Exception {
        AssemblyRig.Analysed source = rig.analyse("fixtures/musl:1");
        ImageAssembler noBases = new ImageAssembler(client, new BaseCatalog(registry.host() + "/nowhere/{flavour}:{variant}"),
                TagScheme.defaults(), LayerLimits.defaults(), "test", work);

        assertThatThrownBy(() -> noBases.assemble(rig.source(source, source.plan(), "1")))
                .isInstanceOf(AssemblyException.class)
                .hasMessageContaining("cannot pull the base " + registry.host() + "/nowhere/static:nonroot");
    }

    @Test
    void aPushTheRegistryRefusesFailsAndLeavesNoTag() throws Exception {
        AssemblyRig.Analysed source = rig.analyse("fixtures/musl:1");
        try (LocalRegistry readOnly = LocalRegistry.builder().readOnlyCopyOf(registry.storage()).start()) {
            RegistryClient roClient = readOnly.client();
            ResolvedImage image = roClient.resolve(readOnly.reference("fixtures/musl:1"), Platform.LINUX_AMD64);
            ImageAssembler assembler = new ImageAssembler(roClient, new BaseCatalog(readOnly.host() + "/distill/{flavour}:{variant}"),
                    TagScheme.defaults(), LayerLimits.defaults(), "test", work);
            ImageAssembler.Source s = new ImageAssembler.Source(image, BlobSource.registry(roClient, image.pinnedReference()),
                    "1", source.plan(), null);

            assertThatThrownBy(() -> assembler.assemble(s)).isInstanceOf(RegistryException.class)
                    .hasMessageContaining("405");
            assertThat(Files.list(work).filter(p -> p.getFileName().toString().startsWith("assembly-")).count())
                    .as("no work files left behind").isZero();
        }
    }

    @Test
    void aStaticProgramGoesOntoTheStaticBaseAlone() throws Exception {
        AssemblyRig.Analysed source = rig.analyse("fixtures/hello:1");
        List<ImageAssembler.ProgramImage> images = assembler().publish(assembler().assemble(
                rig.source(source, source.plan(), "1")));

        assertThat(images).singleElement().satisfies(i -> assertThat(i.base()).contains("/distill/static:"));
        ResolvedImage result = client.resolve(registry.reference("fixtures/hello:1-distroless"), Platform.LINUX_AMD64);
        LayeredFileSystem fs = LayeredFileSystem.build(result, client, LayerLimits.defaults());
        assertCarriedAsInSource(source.plan().programs().get(0), source.view(), fs);
        assertThat(result.imageConfig().user()).isNotIn("", "0", "0:0", "root");
    }

    @Test
    void aRepairRoundCarriesWhatTheProgramFailedToOpenWithEveryLinkOnTheWay() throws Exception {
        AssemblyRig.Analysed source = rig.analyse("fixtures/musl:1");
        ProgramPlan p = source.plan().programs().get(0);
        // The first build lost the library and its soname link; the verifier saw the program fail to open the link.
        List<CarriedFile> without = p.files().stream().filter(f -> !f.path().startsWith("/usr/local/lib/libgreet")).toList();
        ProgramPlan lossy = p.withFiles(without);
        ImageAssembler.Source base = rig.source(source, new MigrationPlan(List.of(lossy), List.of(), List.of()), "repair");
        ImageAssembler.Source repair = new ImageAssembler.Source(base.image(), base.blobs(), "repair", base.plan(),
                base.surface(), Map.of(p.name(), List.of("/usr/local/lib/libgreet.so.1")), 1, base.packages());

        ImageAssembler.ProgramImage image = assembler().publish(assembler().assemble(repair)).get(0);

        ResolvedImage result = client.resolve(registry.reference("fixtures/musl:" + image.tag()), Platform.LINUX_AMD64);
        LayeredFileSystem fs = LayeredFileSystem.build(result, client, LayerLimits.defaults());
        FileEntry wanted = source.view().resolve("/usr/local/lib/libgreet.so.1").orElseThrow();
        assertThat(fs.resolve("/usr/local/lib/libgreet.so.1")).hasValueSatisfying(e -> {
            assertThat(e.path()).isEqualTo(wanted.path());
            assertThat(e.size()).isEqualTo(wanted.size());
        });
        for (FileEntry link : SymlinkChain.of(source.view(), "/usr/local/lib/libgreet.so.1")) {
            assertThat(fs.entry(link.path())).as(link.path()).hasValueSatisfying(e -> assertThat(e.type()).isEqualTo(link.type()));
        }
    }

    private static ImageAssembler assembler() {
        return rig.assembler();
    }

    private static long countDirectories(ProgramPlan plan) {
        return plan.files().stream().filter(f -> f.type() == FileType.DIRECTORY).count();
    }

    /** Each carried file is in the result with the source's type, owner, link target and bytes; mode without setuid. */
    private static void assertCarriedAsInSource(ProgramPlan plan, LayeredFileSystem source, LayeredFileSystem result)
            throws Exception {
        for (CarriedFile f : plan.files()) {
            FileEntry expected = source.entry(f.path()).orElseThrow();
            FileEntry actual = result.entry(f.path()).orElse(null);
            assertThat(actual).as(f.path()).isNotNull();
            assertThat(actual.type()).as(f.path()).isEqualTo(expected.type());
            assertThat(actual.uid()).as(f.path()).isEqualTo(expected.uid());
            assertThat(actual.gid()).as(f.path()).isEqualTo(expected.gid());
            if (expected.type() == FileType.SYMLINK) {
                assertThat(actual.linkTarget()).as(f.path()).isEqualTo(expected.linkTarget());
            }
            if (expected.type() != FileType.SYMLINK) {
                assertThat(actual.mode()).as(f.path()).isEqualTo(expected.mode() & 01777);
            }
            if (expected.type() == FileType.REGULAR && expected.size() < 1 << 20) {
                assertThat(result.read(actual, 1 << 20)).as(f.path()).isEqualTo(source.read(expected, 1 << 20));
            }
        }
    }

}
