package dev.distill.engine.layer;

import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.Xattrs;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What indexing one layer's blob found, on its own: every tar entry in order (extended headers applied) and the
 * bytes it decompressed to. That is all {@link LayeredFileSystem} needs to merge the layer into a view without
 * reading the blob again, so an index kept from an earlier, verified read stands in for the blob of the same digest.
 *
 * @param uncompressedSize the tar's length, uncompressed
 * @param holeBytes the bytes sparse files' holes expand to, charged to the decompression budget like real bytes
 * @param entries the tar's entries, in order
 */
public record LayerIndex(long uncompressedSize, long holeBytes, List<TarEntry> entries) {

    /** Bumped whenever the written form or what the tar reader makes of a layer changes. */
    public static final int FORMAT_VERSION = 1;

    public LayerIndex {
        if (uncompressedSize < 0 || holeBytes < 0) {
            throw new IllegalArgumentException("a layer index has no negative sizes, got " + uncompressedSize + " and " + holeBytes);
        }
        entries = List.copyOf(entries);
    }

    /** Writes this index in a compact binary form that {@link #read} reads back. */
    public void write(DataOutput out) throws IOException {
        out.writeLong(uncompressedSize);
        out.writeLong(holeBytes);
        out.writeInt(entries.size());
        for (TarEntry e : entries) {
            out.writeInt(e.ordinal());
            writeString(out, e.name());
            out.writeByte(e.type().ordinal());
            out.writeInt(e.mode());
            out.writeInt(e.uid());
            out.writeInt(e.gid());
            out.writeLong(e.size());
            writeString(out, e.linkName());
            out.writeInt(e.xattrs().values().size());
            for (Map.Entry<String, byte[]> x : e.xattrs().values().entrySet()) {
                writeString(out, x.getKey());
                out.writeInt(x.getValue().length);
                out.write(x.getValue());
            }
            out.writeInt(e.xattrs().texts().size());
            for (Map.Entry<String, String> x : e.xattrs().texts().entrySet()) {
                writeString(out, x.getKey());
                writeString(out, x.getValue());
            }
            out.writeBoolean(e.unreadable() != null);
            if (e.unreadable() != null) {
                writeString(out, e.unreadable());
            }
        }
    }

    /** Reads what {@link #write} wrote. */
    public static LayerIndex read(DataInput in) throws IOException {
        long size = in.readLong();
        long holes = in.readLong();
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("a layer index with " + count + " entries");
        }
        FileType[] types = FileType.values();
        List<TarEntry> entries = new ArrayList<>(Math.min(count, 1 << 16));
        for (int i = 0; i < count; i++) {
            int ordinal = in.readInt();
            String name = readString(in);
            int type = in.readUnsignedByte();
            if (type >= types.length) {
                throw new IOException("a layer index with entry type " + type);
            }
            int mode = in.readInt();
            int uid = in.readInt();
            int gid = in.readInt();
            long length = in.readLong();
            String link = readString(in);
            TreeMap<String, byte[]> values = new TreeMap<>();
            for (int n = in.readInt(); n > 0; n--) {
                String key = readString(in);
                byte[] value = new byte[checkedLength(in.readInt())];
                in.readFully(value);
                values.put(key, value);
            }
            TreeMap<String, String> texts = new TreeMap<>();
            for (int n = in.readInt(); n > 0; n--) {
                texts.put(readString(in), readString(in));
            }
            String unreadable = in.readBoolean() ? readString(in) : null;
            entries.add(new TarEntry(ordinal, name, types[type], mode, uid, gid, length, link, Xattrs.of(values, texts), unreadable));
        }
        return new LayerIndex(size, holes, entries);
    }

    /** A string of any length, as its UTF-8 length and bytes. */
    public static void writeString(DataOutput out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** Reads what {@link #writeString} wrote. */
    public static String readString(DataInput in) throws IOException {
        byte[] bytes = new byte[checkedLength(in.readInt())];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static int checkedLength(int n) throws IOException {
        if (n < 0 || n > (64 << 20)) {
            throw new IOException("a layer index holds a field of " + n + " bytes");
        }
        return n;
    }
}
