package dev.distill.engine.bench;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.runtime.IdMapping;
import dev.distill.engine.runtime.LayerTreeStore;
import dev.distill.engine.runtime.RootfsUnpacker;
import dev.distill.engine.testing.FixtureImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writing an image's layer trees ({@link LayerTreeStore}, first use) with one read of each blob against two, for
 * {@code bench/layer-trees.sh}; not a test and not run by CI. Two reads is how trees were written before: index the
 * layer alone (decompress, parse the tar, verify the digest), then unpack that view ({@link RootfsUnpacker}, which
 * streams the blob again); one read is the store's way now (the indexing pass spools every file's bytes and the
 * unpack renames them into place). For the Debian PHP fixture, interleaved round after round in one JVM (the disk
 * is what varies most on this machine), with the index-only read timed on its own as well.
 *
 * <p>Usage: {@code LayerTreeReadsBenchmark WORKDIR [ROUNDS]}, run as root with {@code -Ddistill.repo.root=REPO}.
 */
public final class LayerTreeReadsBenchmark {

    private LayerTreeReadsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        OciLayout.LayoutImage image = OciLayout.open(FixtureImages.build("debian-php").layout()).image("latest");
        LayeredFileSystem view = LayeredFileSystem.build(image.layers(), image.blobs(), LayerLimits.defaults());
        List<Long> indexing = new ArrayList<>();
        List<Long> twoReads = new ArrayList<>();
        List<Long> oneRead = new ArrayList<>();
        Files.createDirectories(work);
        for (int round = 0; round <= rounds; round++) {  // round 0 warms up the JVM and the page cache
            long started = System.nanoTime();
            for (Descriptor layer : image.layers()) {
                LayeredFileSystem.build(List.of(layer), image.blobs(), LayerLimits.defaults());
            }
            long index = (System.nanoTime() - started) / 1_000_000;
            Path dir = Files.createDirectories(work.resolve("two-reads-" + round));
            started = System.nanoTime();
            for (Descriptor layer : image.layers()) {
                LayeredFileSystem alone = LayeredFileSystem.build(List.of(layer), image.blobs(), LayerLimits.defaults());
                RootfsUnpacker.unpack(alone, dir.resolve(layer.digest().hex()), new IdMapping(0, 0, 65536));
            }
            long two = (System.nanoTime() - started) / 1_000_000;
            WorkDirectories.removeTree(dir);
            dir = work.resolve("trees-" + round);
            LayerTreeStore store = LayerTreeStore.open(dir, 1L << 40);
            started = System.nanoTime();
            store.acquire(view).close();
            long one = (System.nanoTime() - started) / 1_000_000;
            WorkDirectories.removeTree(dir);
            if (round > 0) {
                indexing.add(index);
                twoReads.add(two);
                oneRead.add(one);
            }
            System.out.printf(Locale.ROOT, "round=%d layers=%d index_only_ms=%d two_reads_ms=%d store_ms=%d load=%s%n", round,
                    image.layers().size(), index, two, one, Files.readString(Path.of("/proc/loadavg")).strip());
        }
        System.out.printf(Locale.ROOT, "median index_only_ms=%d two_reads_ms=%d store_ms=%d store/two_reads=%.3f%n", median(indexing),
                median(twoReads), median(oneRead), median(oneRead) / (double) median(twoReads));
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
