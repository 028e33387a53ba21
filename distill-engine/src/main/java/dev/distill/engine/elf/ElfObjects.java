package dev.distill.engine.elf;

import dev.distill.engine.fs.ContentVisitor;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ELF files of one image, read once and remembered. Loaders probe the same libraries for every program,
 * and reading a file of a layered image means streaming its layer, so the parsed result (small) is kept
 * rather than the bytes (large). {@link #prefetch} reads a whole set of files in one pass per layer.
 */
public final class ElfObjects {

    /** Enough for the ELF identification and file header of either class. */
    public static final int HEADER_BYTES = 64;

    /** Small files (loader caches, path files) are remembered whole up to this size. */
    static final int MAX_REMEMBERED_BYTES = 1 << 20;

    private final ImageFileSystem fs;
    private final Map<String, byte[]> headers = new ConcurrentHashMap<>();
    private final Map<String, Parsed> parsed = new ConcurrentHashMap<>();
    private final Map<String, byte[]> small = new ConcurrentHashMap<>();

    /** What parsing one file gave: the parsed file, or why it is not a readable ELF file. */
    public record Parsed(ElfFile elf, ElfFormatException error) {
        public Parsed {
            if ((elf == null) == (error == null)) {
                throw new IllegalArgumentException("a parse gives a file or an error, got " + elf + " and " + error);
            }
        }
    }

    public ElfObjects(ImageFileSystem fs) {
        this.fs = fs;
    }

    public ImageFileSystem fs() {
        return fs;
    }

    /** The first {@link #HEADER_BYTES} bytes of a regular file (fewer if it is shorter). */
    public byte[] header(FileEntry file) throws IOException {
        byte[] h = headers.get(file.path());
        if (h == null) {
            h = fs.read(file, HEADER_BYTES);
            headers.put(file.path(), h);
        }
        return h;
    }

    /**
     * The parsed ELF file.
     *
     * @throws ElfFormatException when it is not a readable ELF file (remembered too)
     */
    public ElfFile elf(FileEntry file) throws IOException {
        Parsed p = parsed.get(file.path());
        if (p == null) {
            try {
                p = new Parsed(ElfFile.read(fs, file), null);
            } catch (ElfFormatException e) {
                p = new Parsed(null, e);
            }
            parsed.put(file.path(), p);
        }
        if (p.error() != null) {
            throw p.error();
        }
        return p.elf();
    }

    /** Reads a small file (like {@code /etc/ld.so.cache}), remembering it when it is at most 1 MiB. */
    public byte[] read(FileEntry file, int limit) throws IOException {
        byte[] bytes = small.get(file.path());
        if (bytes != null && bytes.length <= limit) {
            return bytes;
        }
        bytes = fs.read(file, limit);
        if (bytes.length <= MAX_REMEMBERED_BYTES) {
            small.put(file.path(), bytes);
        }
        return bytes;
    }

    /**
     * Reads the given regular files in one pass ({@link ImageFileSystem#readAll}): remembers each header,
     * and parses each ELF file, holding at most one file's bytes at a time.
     *
     * @param maxElfBytes an ELF file larger than this is left to be read on demand
     * @return how many ELF files were parsed (successfully or not)
     */
    public int prefetch(Collection<FileEntry> files, long maxElfBytes) throws IOException {
        int before = parsed.size();
        fs.readAll(files, visitor(maxElfBytes, (file, in) -> { }));
        return parsed.size() - before;
    }

    /**
     * A visitor for a caller's own {@link ImageFileSystem#readAll} pass that does what {@link #prefetch} does
     * and hands every file that is not a parsed ELF file on to {@code others}, with its whole content (the
     * header bytes put back in front), so one pass over the layers can serve several readers.
     */
    public ContentVisitor visitor(long maxElfBytes, ContentVisitor others) {
        return visitor(maxElfBytes, others, file -> null);
    }

    /**
     * As {@link #visitor(long, ContentVisitor)}, but an ELF file that {@code earlier} knows is taken as parsed
     * without its bytes: a pass over layers whose parsed files were kept gets only their heads.
     *
     * @param earlier the parse an earlier pass made of the very content being visited, or null
     */
    public ContentVisitor visitor(long maxElfBytes, ContentVisitor others, java.util.function.Function<FileEntry, Parsed> earlier) {
        return (file, in) -> {
            byte[] head = in.readNBytes(HEADER_BYTES);
            forget(file.path()); // a pass that reads every layer sees a replaced file before its replacement
            headers.put(file.path(), head);
            if (!ElfFile.isElf(head) || file.size() > maxElfBytes) {
                others.visit(file, new SequenceInputStream(new ByteArrayInputStream(head), in));
                return;
            }
            Parsed known = earlier.apply(file);
            if (known != null) {
                parsed.put(file.path(), known);
                return;
            }
            byte[] all = readRest(head, in, file.size());
            try {
                parsed.put(file.path(), new Parsed(ElfFile.parse(all), null));
            } catch (ElfFormatException e) {
                parsed.put(file.path(), new Parsed(null, e));
            }
        };
    }

    /** How the file at {@code path} parsed, when it was parsed; null otherwise. */
    public Parsed parsed(String path) {
        return parsed.get(path);
    }

    /** Drops all that is remembered of the file at {@code path} (for a pass that saw content an upper layer replaced). */
    public void forget(String path) {
        headers.remove(path);
        parsed.remove(path);
        small.remove(path);
    }

    /** The paths of every file parsed as ELF so far (including those that failed to parse), in path order. */
    public java.util.SortedSet<String> parsedPaths() {
        return new java.util.TreeSet<>(parsed.keySet());
    }

    /** Whether the file was seen and is an ELF file, by its remembered header. */
    public boolean looksLikeElf(FileEntry file) {
        byte[] h = headers.get(file.path());
        return h != null && ElfFile.isElf(h);
    }

    private static byte[] readRest(byte[] head, InputStream in, long size) throws IOException {
        byte[] all = Arrays.copyOf(head, (int) Math.max(head.length, size));
        int at = head.length;
        while (at < all.length) {
            int n = in.read(all, at, all.length - at);
            if (n < 0) {
                return Arrays.copyOf(all, at);
            }
            at += n;
        }
        return all;
    }
}
