package dev.distill.engine.layer;

import static dev.distill.engine.layer.LayerException.Kind.LIMIT_EXCEEDED;
import static dev.distill.engine.layer.LayerException.Kind.MALFORMED;
import static dev.distill.engine.layer.LayerException.Kind.UNSUPPORTED;

import dev.distill.engine.fs.Xattrs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The records of a PAX extended header, {@code "<length> <key>=<value>\n"}. Values are bytes: attribute values
 * are binary and a path marked {@code hdrcharset=BINARY} need not be UTF-8. A later record replaces an earlier one
 * of the same key, except GNU sparse 0.0's repeated {@code GNU.sparse.offset}/{@code numbytes} pairs, kept in order.
 */
final class Pax {

    private static final String SCHILY_XATTR = "SCHILY.xattr.";
    private static final String LIBARCHIVE_XATTR = "LIBARCHIVE.xattr.";
    private static final String SPARSE = "GNU.sparse.";

    private final Map<String, byte[]> records = new HashMap<>();
    private final List<long[]> sparsePairs = new ArrayList<>();
    private Long pendingOffset;

    private Pax() {
    }

    /** Parses {@code data} into {@code into} (a new set when null). */
    static Pax parse(byte[] data, Pax into, String where) throws LayerProblem {
        Pax pax = into != null ? into : new Pax();
        int pos = 0;
        while (pos < data.length) {
            // Each record is "<length> <key>=<value>\n", the length counting the whole record in bytes.
            int space = pos;
            long length = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && length <= data.length) {
                length = length * 10 + (data[space] - '0');
                space++;
            }
            if (space == pos || space >= data.length || data[space] != ' ' || length <= space - pos || pos + length > data.length
                    || data[(int) (pos + length - 1)] != '\n') {
                throw new LayerProblem(MALFORMED, null, "malformed PAX header record at byte " + pos + where);
            }
            int end = (int) (pos + length - 1);
            int equals = space + 1;
            while (equals < end && data[equals] != '=') {
                equals++;
            }
            if (equals >= end || equals == space + 1) {
                throw new LayerProblem(MALFORMED, null, "malformed PAX header record at byte " + pos + where + ": no key=value");
            }
            String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(data, equals + 1, end);
            pax.put(key, value, where);
            pos = end + 1;
        }
        return pax;
    }

    private void put(String key, byte[] value, String where) throws LayerProblem {
        if (key.equals("GNU.sparse.offset") || key.equals("GNU.sparse.numbytes")) {
            long n = decimal(key, value, Long.MAX_VALUE, null);
            if (key.equals("GNU.sparse.offset")) {
                pendingOffset = n;
            } else {
                if (pendingOffset == null) {
                    throw new LayerProblem(MALFORMED, null, "PAX GNU.sparse.numbytes without a GNU.sparse.offset before it" + where);
                }
                if (sparsePairs.size() >= TarReader.MAX_SPARSE_ENTRIES) {
                    throw new LayerProblem(LIMIT_EXCEEDED, null, "a sparse map of more than " + TarReader.MAX_SPARSE_ENTRIES
                            + " entries (the limit)" + where);
                }
                sparsePairs.add(new long[] {pendingOffset, n});
                pendingOffset = null;
            }
            return;
        }
        records.put(key, value);
    }

    byte[] bytes(String key, byte[] fallback) {
        return records.getOrDefault(key, fallback);
    }

    long number(String key, long fallback, long max, String entry) throws LayerProblem {
        byte[] value = records.get(key);
        return value == null ? fallback : decimal(key, value, max, entry);
    }

    private static long decimal(String key, byte[] value, long max, String entry) throws LayerProblem {
        String text = new String(value, StandardCharsets.UTF_8);
        try {
            long n = Long.parseLong(text);
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new LayerProblem(MALFORMED, entry, "PAX " + key + " '" + LayerException.printable(text) + "' is not a number from 0 to " + max);
    }

    /**
     * The extended attributes: {@code SCHILY.xattr.NAME} (GNU tar, Go, libarchive) byte-exact, then libarchive's
     * {@code LIBARCHIVE.xattr.URL-ENCODED-NAME=BASE64} for names the first did not give (both name the same
     * attribute when libarchive writes both; Go-based runtimes read only the first), and the text records.
     */
    Xattrs xattrs(String entry) throws LayerProblem {
        Map<String, byte[]> values = new TreeMap<>();
        Map<String, String> texts = new TreeMap<>();
        Map<String, byte[]> libarchive = new TreeMap<>();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            String key = r.getKey();
            if (key.startsWith(SCHILY_XATTR) && key.length() > SCHILY_XATTR.length()) {
                values.put(key.substring(SCHILY_XATTR.length()), r.getValue());
            } else if (key.startsWith(LIBARCHIVE_XATTR) && key.length() > LIBARCHIVE_XATTR.length()) {
                String name = urlDecode(key.substring(LIBARCHIVE_XATTR.length()), entry);
                try {
                    libarchive.put(name, Base64.getDecoder().decode(r.getValue()));
                } catch (IllegalArgumentException e) {
                    throw new LayerProblem(MALFORMED, entry, "PAX " + LayerException.printable(key) + " is not base64: " + e.getMessage());
                }
            } else if (Xattrs.textKeys().contains(key)) {
                texts.put(key, new String(r.getValue(), StandardCharsets.UTF_8));
            }
        }
        libarchive.forEach(values::putIfAbsent);
        values.keySet().removeIf(name -> name.indexOf('\0') >= 0 || name.indexOf('=') >= 0);
        return Xattrs.of(values, texts);
    }

    private static String urlDecode(String encoded, String entry) throws LayerProblem {
        ByteArrayOutputStream out = new ByteArrayOutputStream(encoded.length());
        byte[] in = encoded.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%') {
                if (i + 2 >= in.length || Character.digit(in[i + 1], 16) < 0 || Character.digit(in[i + 2], 16) < 0) {
                    throw new LayerProblem(MALFORMED, entry, "PAX LIBARCHIVE.xattr name '" + LayerException.printable(encoded)
                            + "' has a bad %-escape");
                }
                out.write(Character.digit(in[i + 1], 16) * 16 + Character.digit(in[i + 2], 16));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * The sparse map the GNU.sparse records describe, or null for a file that is not sparse. Version 1.0 keeps the
     * map at the start of the data, which {@code reader} reads now.
     */
    SparseMap sparseMap(TarReader reader, String entry) throws IOException {
        boolean any = !sparsePairs.isEmpty() || records.keySet().stream().anyMatch(k -> k.startsWith(SPARSE));
        if (!any) {
            return null;
        }
        byte[] major = records.get("GNU.sparse.major");
        if (major != null) {
            String version = new String(major, StandardCharsets.UTF_8) + "." + new String(records.getOrDefault("GNU.sparse.minor",
                    new byte[] {'0'}), StandardCharsets.UTF_8);
            if (!version.equals("1.0")) {
                throw new LayerProblem(UNSUPPORTED, entry, "GNU sparse format " + LayerException.printable(version)
                        + " (Distill reads 0.0, 0.1 and 1.0)");
            }
            if (!records.containsKey("GNU.sparse.realsize")) {
                throw new LayerProblem(MALFORMED, entry, "GNU sparse 1.0 without GNU.sparse.realsize");
            }
            return reader.readSparseMapFromData(number("GNU.sparse.realsize", 0, Long.MAX_VALUE, entry), entry);
        }
        byte[] list = records.get("GNU.sparse.map");
        if (list == null && sparsePairs.isEmpty() && !records.containsKey("GNU.sparse.numblocks")) {
            return null; // only a name or a size: not a sparse file of a version we know, and Go reads it as plain
        }
        if (!records.containsKey("GNU.sparse.size")) {
            throw new LayerProblem(MALFORMED, entry, "GNU sparse 0.x without GNU.sparse.size");
        }
        SparseMap map = new SparseMap(number("GNU.sparse.size", 0, Long.MAX_VALUE, entry));
        if (list != null) {
            String[] parts = new String(list, StandardCharsets.UTF_8).split(",", -1);
            if (parts.length % 2 != 0 || (parts.length == 1 && parts[0].isEmpty())) {
                throw new LayerProblem(MALFORMED, entry, "GNU.sparse.map does not hold offset,length pairs");
            }
            for (int i = 0; i + 1 < parts.length; i += 2) {
                map.add(decimal("GNU.sparse.map", parts[i].getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE, entry),
                        decimal("GNU.sparse.map", parts[i + 1].getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE, entry), entry);
            }
        } else {
            for (long[] pair : sparsePairs) {
                map.add(pair[0], pair[1], entry);
            }
        }
        long blocks = number("GNU.sparse.numblocks", map.size(), Integer.MAX_VALUE, entry);
        if (blocks != map.size()) {
            throw new LayerProblem(MALFORMED, entry, "GNU.sparse.numblocks says " + blocks + " but the map has " + map.size());
        }
        return map;
    }
}
