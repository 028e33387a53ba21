package dev.distill.engine.bench;

import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.runtime.IdMapping;
import dev.distill.engine.runtime.RootfsUnpacker;
import dev.distill.engine.runtime.UnpackReport;
import dev.distill.engine.testing.FixtureImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What mapping owners to a user namespace's host ids costs while unpacking (issue 14), for {@code bench/unpack.sh};
 * not a test and not run by CI. Unpacks the Debian PHP fixture (213 MB, about 11,000 entries) from its OCI layout,
 * interleaved: with the image's own owners, then with every owner mapped to a range at 2^30, round after round in
 * one JVM, and prints each round and the medians side by side.
 *
 * <p>Usage: {@code UnpackBenchmark WORKDIR [ROUNDS]}, run as root with {@code -Ddistill.repo.root=REPO}.
 */
public final class UnpackBenchmark {

    private UnpackBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        OciLayout.LayoutImage image = OciLayout.open(FixtureImages.build("debian-php").layout()).image("latest");
        IdMapping mapped = new IdMapping(1L << 30, 1L << 30, 65536);
        List<Long> plain = new ArrayList<>();
        List<Long> shifted = new ArrayList<>();
        Files.createDirectories(work);
        for (int round = 0; round <= rounds; round++) {  // round 0 warms up the JVM and the page cache
            for (IdMapping ids : List.of(IdMapping.IDENTITY, mapped)) {
                Path rootfs = work.resolve("rootfs-" + round + (ids.isIdentity() ? "-plain" : "-mapped"));
                LayeredFileSystem files = LayeredFileSystem.build(image.layers(), image.blobs());
                UnpackReport report = RootfsUnpacker.unpack(files, rootfs, ids);
                WorkDirectories.removeTree(rootfs);
                if (round > 0) {
                    (ids.isIdentity() ? plain : shifted).add(report.took().toMillis());
                }
                System.out.printf(Locale.ROOT, "round=%d owners=%s files=%d directories=%d bytes=%d unpack_ms=%d skipped=%d%n", round,
                        ids.isIdentity() ? "image" : "mapped", report.files(), report.directories(), report.bytes(),
                        report.took().toMillis(), report.skipped().size());
            }
        }
        long p = median(plain);
        long s = median(shifted);
        System.out.printf(Locale.ROOT, "median_unpack_ms image_owners=%d mapped_owners=%d ratio=%.3f%n", p, s, s / (double) p);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
