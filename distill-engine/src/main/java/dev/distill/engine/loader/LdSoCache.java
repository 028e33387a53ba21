package dev.distill.engine.loader;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * glibc's {@code /etc/ld.so.cache} as ldconfig writes it: the new format ({@code glibc-ld.so.cache1.1}),
 * alone or after the old {@code ld.so-1.7.0} table, or the old table alone. Little-endian or big-endian as
 * the header flags say (the machine's own order in practice).
 */
public final class LdSoCache {

    static final String OLD_MAGIC = "ld.so-1.7.0";
    static final String NEW_MAGIC = "glibc-ld.so.cache";
    static final String NEW_VERSION = "1.1";
    /** Bit 62 of hwcap marks an entry of a glibc-hwcaps subdirectory. */
    static final long HWCAP_EXTENSION = 1L << 62;
    static final int MAX_ENTRIES = 1 << 20;

    /**
     * @param flags ldconfig's flags: the low byte is the type (3 = ELF for libc6), the next the ABI
     *     (0x0300 x86-64, 0x0a00 AArch64, 0 the default 32-bit ABI, ...)
     * @param name the SONAME-like key
     * @param path where the library is
     * @param hwcap 0 for a plain entry
     */
    public record Entry(int flags, String name, String path, long hwcap) {
    }

    private final List<Entry> entries;
    private final String format;

    private LdSoCache(List<Entry> entries, String format) {
        this.entries = List.copyOf(entries);
        this.format = format;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** {@code new}, {@code old} or {@code old+new}. */
    public String format() {
        return format;
    }

    /** The first entry for {@code name} with acceptable flags, preferring one without hwcaps. */
    public Optional<Entry> lookup(String name, java.util.function.IntPredicate flagsOk) {
        Entry hw = null;
        for (Entry e : entries) {
            if (e.name().equals(name) && flagsOk.test(e.flags())) {
                if (e.hwcap() == 0) {
                    return Optional.of(e);
                }
                if (hw == null) {
                    hw = e;
                }
            }
        }
        return Optional.ofNullable(hw);
    }

    /** @throws IllegalArgumentException when the bytes are not a cache we can read */
    public static LdSoCache parse(byte[] b) {
        int newStart = 0;
        boolean old = startsWith(b, 0, OLD_MAGIC);
        if (old) {
            long nlibs = le32(b, 12);
            if (nlibs < 0 || nlibs > MAX_ENTRIES || 16 + nlibs * 12 > b.length) {
                throw new IllegalArgumentException("old ld.so.cache table of " + nlibs + " entries is truncated");
            }
            int end = (int) (16 + nlibs * 12);
            newStart = (end + 7) & ~7;
            if (!startsWith(b, newStart, NEW_MAGIC)) {
                return new LdSoCache(parseOld(b, (int) nlibs, end), "old");
            }
        }
        if (!startsWith(b, newStart, NEW_MAGIC + NEW_VERSION)) {
            throw new IllegalArgumentException("not an ld.so.cache (no " + NEW_MAGIC + NEW_VERSION + " header)");
        }
        int h = newStart;
        if (h + 48 > b.length) {
            throw new IllegalArgumentException("truncated ld.so.cache header");
        }
        int endian = b[h + 28] & 3; // 0 unset, 1 invalid, 2 little, 3 big
        boolean big = endian == 3;
        long nlibs = u32(b, h + 20, big);
        long strLen = u32(b, h + 24, big);
        if (nlibs > MAX_ENTRIES || h + 48 + nlibs * 24 > b.length) {
            throw new IllegalArgumentException("ld.so.cache with " + nlibs + " entries is truncated");
        }
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < nlibs; i++) {
            int o = h + 48 + i * 24;
            int flags = (int) u32(b, o, big);
            long key = u32(b, o + 4, big);
            long value = u32(b, o + 8, big);
            long hwcap = u32(b, o + 16, big) | u32(b, o + 20, big) << 32;
            if (big) {
                hwcap = u32(b, o + 16, true) << 32 | u32(b, o + 20, true);
            }
            // String offsets of the new format count from the start of its header.
            out.add(new Entry(flags, string(b, h + key), string(b, h + value), hwcap));
        }
        return new LdSoCache(out, old ? "old+new" : "new");
    }

    private static List<Entry> parseOld(byte[] b, int nlibs, int stringsStart) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < nlibs; i++) {
            int o = 16 + i * 12;
            int flags = (int) le32(b, o);
            out.add(new Entry(flags, string(b, stringsStart + le32(b, o + 4)), string(b, stringsStart + le32(b, o + 8)), 0));
        }
        return out;
    }

    private static String string(byte[] b, long offset) {
        if (offset < 0 || offset >= b.length) {
            throw new IllegalArgumentException("ld.so.cache string offset " + offset + " outside the file");
        }
        int s = (int) offset;
        int e = s;
        while (e < b.length && b[e] != 0) {
            e++;
        }
        if (e == b.length) {
            throw new IllegalArgumentException("unterminated ld.so.cache string at " + offset);
        }
        return new String(b, s, e - s, StandardCharsets.UTF_8);
    }

    private static boolean startsWith(byte[] b, int at, String magic) {
        byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
        if (at < 0 || at + m.length > b.length) {
            return false;
        }
        for (int i = 0; i < m.length; i++) {
            if (b[at + i] != m[i]) {
                return false;
            }
        }
        return true;
    }

    private static long le32(byte[] b, int o) {
        return u32(b, o, false);
    }

    private static long u32(byte[] b, int o, boolean big) {
        if (o < 0 || o + 4 > b.length) {
            throw new IllegalArgumentException("truncated ld.so.cache at " + o);
        }
        return big
                ? (b[o] & 0xffL) << 24 | (b[o + 1] & 0xffL) << 16 | (b[o + 2] & 0xffL) << 8 | (b[o + 3] & 0xffL)
                : (b[o + 3] & 0xffL) << 24 | (b[o + 2] & 0xffL) << 16 | (b[o + 1] & 0xffL) << 8 | (b[o] & 0xffL);
    }
}
