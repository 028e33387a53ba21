package dev.distill.engine.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.registry.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The size a careful person gets by splitting the same programs by hand, with GNU tools and no Distill code, against
 * what the builder pushed (issue 15, section 3). By hand: pull each program's base and unpack it with GNU tar; from
 * the fixture's unpacked root filesystem take each program's planned paths, drop the regular files and symlinks its
 * base already has byte for byte ({@code cmp}-equal, same mode and owner) at the same path, put what both programs
 * then list into one {@code tar | gzip -6} layer and the rest into one layer per program. The figure compared is the
 * unique compressed bytes a registry stores for both images: every distinct base layer once, plus the hand-made
 * layers.
 */
final class HandSplit {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HandSplit() {
    }

    static void print(RegistryClient client, List<ImageAssembler.ProgramImage> images, MigrationPlan plan, Path rootfs, Path work)
            throws Exception {
        Files.createDirectories(work);
        // What the builder's images hold: every distinct layer once (a shared layer and common base layers count once).
        Map<Digest, Long> unique = new LinkedHashMap<>();
        Map<Digest, Long> baseLayers = new LinkedHashMap<>();
        for (ImageAssembler.ProgramImage image : images) {
            for (JsonNode l : JSON.readTree(image.pushed().manifest()).path("layers")) {
                unique.put(Digest.parse(l.path("digest").asText()), l.path("size").asLong());
            }
        }
        // By hand: each program's own base, unpacked with GNU tar, and the planned files compared with cmp's rule.
        List<TreeSet<String>> kept = new ArrayList<>();
        int dropped = 0;
        for (ProgramPlan p : plan.programs()) {
            ImageAssembler.ProgramImage image = images.stream().filter(i -> i.program().equals(p.name())).findFirst().orElseThrow();
            ResolvedImage base = client.resolve(ImageReference.parse(image.base()), Platform.LINUX_AMD64);
            base.layers().forEach(d -> baseLayers.put(d.digest(), d.size()));
            Path baseRoot = work.resolve("base-" + base.manifestDigest().hex());
            if (!Files.isDirectory(baseRoot)) {
                Files.createDirectories(baseRoot);
                for (Descriptor layer : base.layers()) {
                    untar(client, base, layer, baseRoot);
                }
            }
            TreeSet<String> names = new TreeSet<>();
            for (CarriedFile f : p.files()) {
                String name = f.path().substring(1);
                if (sameInBase(rootfs.resolve(name), baseRoot.resolve(name))) {
                    dropped++;
                } else {
                    names.add(name);
                }
            }
            kept.add(names);
        }
        TreeSet<String> shared = new TreeSet<>(kept.get(0));
        kept.forEach(shared::retainAll);
        long hand = baseLayers.values().stream().mapToLong(Long::longValue).sum();
        long sharedGz = 0;
        if (kept.size() > 1 && !shared.isEmpty()) {
            Path list = work.resolve("hand-shared.txt");
            Files.write(list, shared, StandardCharsets.UTF_8);
            sharedGz = BuildBenchmark.tarGzip(rootfs, list, work.resolve("hand-shared.tar.gz"));
            hand += sharedGz;
        }
        StringBuilder own = new StringBuilder();
        for (int i = 0; i < kept.size(); i++) {
            TreeSet<String> names = new TreeSet<>(kept.get(i));
            if (kept.size() > 1) {
                names.removeAll(shared);
            }
            Path list = work.resolve("hand-own-" + i + ".txt");
            Files.write(list, names, StandardCharsets.UTF_8);
            long gz = BuildBenchmark.tarGzip(rootfs, list, work.resolve("hand-own-" + i + ".tar.gz"));
            hand += gz;
            own.append(' ').append(plan.programs().get(i).name()).append('=').append(gz);
        }
        long built = unique.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("unique_compressed built=%d hand=%d ratio=%.3f hand_shared=%d hand_own:%s hand_base_layers=%d "
                + "hand_dropped_as_in_base=%d%n", built, hand, built / (double) hand, sharedGz, own,
                baseLayers.values().stream().mapToLong(Long::longValue).sum(), dropped);
    }

    /** A person's check: {@code cmp}-equal regular files (or equal symlinks) with the same mode and owner. */
    private static boolean sameInBase(Path file, Path inBase) throws IOException, InterruptedException {
        if (!Files.exists(inBase, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Map<String, Object> a = Files.readAttributes(file, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        Map<String, Object> b = Files.readAttributes(inBase, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        if (!a.equals(b)) {
            return false;
        }
        if (Files.isSymbolicLink(file)) {
            return Files.isSymbolicLink(inBase) && Files.readSymbolicLink(file).equals(Files.readSymbolicLink(inBase));
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(inBase, LinkOption.NOFOLLOW_LINKS)
                || Files.size(file) != Files.size(inBase)) {
            return false;
        }
        Process cmp = new ProcessBuilder("cmp", "-s", file.toString(), inBase.toString()).start();
        return cmp.waitFor() == 0;
    }

    /** GNU tar extracts a base layer as pulled (gzip), keeping owners and modes: what a person does with skopeo and tar. */
    private static void untar(RegistryClient client, ResolvedImage image, Descriptor layer, Path root) throws Exception {
        Process tar = new ProcessBuilder("tar", "--numeric-owner", "-xzf", "-", "-C", root.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (InputStream in = client.openBlob(image.pinnedReference(), layer); OutputStream out = tar.getOutputStream()) {
            in.transferTo(out);
        }
        if (tar.waitFor() != 0) {
            throw new IOException("tar could not unpack the base layer " + layer.digest());
        }
    }
}
