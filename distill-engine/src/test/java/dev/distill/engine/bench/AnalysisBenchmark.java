package dev.distill.engine.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * One analysis of an OCI layout, timed, for {@code bench/analysis.sh}; not a test and not run by CI. Run it in a
 * fresh JVM per measurement, with the heap limit to hold it to ({@code -Xmx512m}): a run that needs more fails.
 *
 * <p>Usage: {@code AnalysisBenchmark LAYOUT_DIR [TAG [WARMUPS [MODE]]]}: WARMUPS untimed analyses first (default 0)
 * show the cost of a warm JVM, as in a long-running service; the heap figures then cover the warm-ups too. MODE is
 * {@code one-pass} (default: the layers are indexed and read in the same pass, {@code build_ms} is that pass) or
 * {@code two-pass} (the view is built first, {@code build_ms}, then the analysis reads the layers again). Prints one line of {@code key=value} pairs:
 * {@code build_ms} (pass 1, indexing the layers), {@code analyze_ms} (pass 2 and the rest of the analysis),
 * {@code total_ms}, the heap figures in MiB and what was analysed.
 *
 * <p>Heap: {@code heap_peak_mib} is the most heap in use at any moment, taken from the heap in use just before each
 * collection (when it is highest) and at the end; {@code heap_live_mib} is the most that survived a collection,
 * what the analysis really holds. {@code heap_pools_peak_mib} sums each heap pool's own peak, an upper bound.
 */
public final class AnalysisBenchmark {

    private static final AtomicLong PEAK_BEFORE_GC = new AtomicLong();
    private static final AtomicLong PEAK_AFTER_GC = new AtomicLong();

    private AnalysisBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 4 || (args.length > 3 && !List.of("one-pass", "two-pass").contains(args[3]))) {
            System.err.println("usage: AnalysisBenchmark LAYOUT_DIR [TAG [WARMUPS [one-pass|two-pass]]]");
            System.exit(2);
        }
        Path layout = Path.of(args[0]);
        String tag = args.length > 1 ? args[1] : "latest";
        int warmups = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        boolean onePass = args.length < 4 || args[3].equals("one-pass");
        watchCollections();
        for (int i = 0; i < warmups; i++) {
            analyze(layout, tag, onePass, new long[2]);
        }
        long[] times = new long[2];
        AnalysisReport report = analyze(layout, tag, onePass, times);
        long t0 = times[0];
        long t1 = times[1];
        long t2 = System.nanoTime();
        OciLayout.LayoutImage image = OciLayout.open(layout).image(tag);

        long nowUsed = heapUsedNow();
        long peak = Math.max(PEAK_BEFORE_GC.get(), nowUsed);
        long poolsPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                poolsPeak += pool.getPeakUsage().getUsed();
            }
        }
        long collections = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collections += Math.max(0, gc.getCollectionCount());
        }
        AnalysisReport.Stats s = report.stats();
        System.out.printf("build_ms=%d analyze_ms=%d total_ms=%d heap_peak_mib=%.1f heap_live_mib=%.1f "
                + "heap_pools_peak_mib=%.1f heap_max_mib=%.1f gcs=%d layers=%d entries=%d regular=%d bytes=%d elf=%d "
                + "programs=%d classification=%s mode=%s%n",
                ms(t1 - t0), ms(t2 - t1), ms(t2 - t0), mib(peak), mib(PEAK_AFTER_GC.get()), mib(poolsPeak),
                mib(Runtime.getRuntime().maxMemory()), collections, image.layers().size(), s.entries(), s.regularFiles(),
                s.uncompressedBytes(), s.elfFiles(), report.plan().programs().size(), report.classification(),
                onePass ? "one-pass" : "two-pass");
    }

    /** One analysis; {@code times} gets its start and the end of the pass that indexes the layers. */
    private static AnalysisReport analyze(Path layout, String tag, boolean onePass, long[] times) throws Exception {
        times[0] = System.nanoTime();
        OciLayout.LayoutImage image = OciLayout.open(layout).image(tag);
        AnalysisReport.Subject subject = new AnalysisReport.Subject(layout.toString(), image.manifestDigest().toString(),
                "linux/amd64");
        ImageAnalyzer analyzer = new ImageAnalyzer(ImageAnalyzer.Options.defaults());
        if (onePass) {
            return analyzer.analyze(image.layers(), image.blobs(), LayerLimits.defaults(), image.config(), subject,
                    fs -> times[1] = System.nanoTime());
        }
        LayeredFileSystem fs = LayeredFileSystem.build(image.layers(), image.blobs());
        times[1] = System.nanoTime();
        return analyzer.analyze(fs, image.config(), subject);
    }

    /** Records, for every collection, the heap in use before it (the high-water mark) and after it (the live set). */
    private static void watchCollections() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    return;
                }
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                        (CompositeData) notification.getUserData());
                PEAK_BEFORE_GC.accumulateAndGet(heapOf(info.getGcInfo().getMemoryUsageBeforeGc()), Math::max);
                PEAK_AFTER_GC.accumulateAndGet(heapOf(info.getGcInfo().getMemoryUsageAfterGc()), Math::max);
            }, null, null);
        }
    }

    private static long heapOf(Map<String, MemoryUsage> byPool) {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage u = byPool.get(pool.getName());
            if (pool.getType() == MemoryType.HEAP && u != null) {
                used += u.getUsed();
            }
        }
        return used;
    }

    private static long heapUsedNow() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
