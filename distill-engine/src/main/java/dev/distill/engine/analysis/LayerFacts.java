package dev.distill.engine.analysis;

import dev.distill.engine.cache.CacheKey;
import dev.distill.engine.cache.CachedEntry;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.ElfFormatException;
import dev.distill.engine.elf.ElfObjects;
import dev.distill.engine.fs.ContentVisitor;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.layer.KnownLayers;
import dev.distill.engine.layer.LayerIndex;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The analysis facts of each layer on its own, kept in a {@link DiskCache} by layer digest: the layer's entry index
 * (what the merge needs), and for each regular file what the analysis pass took from its bytes: as many leading
 * bytes as the pass's readers may want (configuration, scripts, package databases, every file's head) and, for
 * an ELF file, its parse instead of the bytes. A later analysis of any image with that layer merges it from the
 * index and replays these facts through the same readers in the same order, so it ends in the same state without
 * fetching or decompressing the blob.
 *
 * <p>Only facts of one layer's own bytes are kept. What depends on several layers (which file an upper layer
 * replaces or whites out, hard links to a replaced file, what the readers keep within their budgets, ELF
 * resolution) is worked out again over the merged view on every analysis, exactly as without the cache.
 *
 * <p>An entry holds the file records in tar order, then the index, then the index's offset (8 bytes).
 */
final class LayerFacts implements KnownLayers, AutoCloseable {

    /** Bumped whenever the form of an entry or what the pass's readers take from a file changes. */
    static final int FORMAT_VERSION = 1;
    static final String KIND = "layer-facts";

    private static final int NO_ELF = 0;
    private static final int ELF_PARSED = 1;
    private static final int ELF_ERROR = 2;

    /** A recalled entry that does not fit the layer it was kept for: the analysis starts again without the cache. */
    static final class Mismatch extends IOException {
        private static final long serialVersionUID = 1L;

        Mismatch(String message) {
            super(message);
        }
    }

    private final DiskCache cache;
    private final String settings;
    private final ElfObjects objects;
    private final ToIntFunction<FileEntry> bytesWanted;

    private DiskCache.Pending writing;
    private DataOutputStream out;
    private CachedEntry reading;
    private DataInputStream in;
    private String recalledPath;
    private ElfObjects.Parsed recalledElf;
    private int layersRecalled;
    private int layersRead;

    /**
     * @param settings everything besides the layer that changes what is kept (limits, the readers' settings)
     * @param bytesWanted the most bytes the pass's readers may read of a file
     */
    LayerFacts(DiskCache cache, String settings, ElfObjects objects, ToIntFunction<FileEntry> bytesWanted) {
        this.cache = cache;
        this.settings = settings;
        this.objects = objects;
        this.bytesWanted = bytesWanted;
    }

    private CacheKey key(Descriptor layer) {
        return new CacheKey(KIND, layer.digest() + " " + settings, FORMAT_VERSION);
    }

    int layersRecalled() {
        return layersRecalled;
    }

    int layersRead() {
        return layersRead;
    }

    /** The entry being recalled, to be removed when it turns out not to fit its layer. */
    private CacheKey recalling;

    @Override
    public LayerIndex recall(int layerIndex, Descriptor layer) throws IOException {
        endReading();
        recalling = key(layer);
        abandonWriting();
        CachedEntry found = cache.find(key(layer)).orElse(null);
        if (found != null) {
            try {
                long at = new DataInputStream(found.open(found.length() - 8)).readLong();
                LayerIndex index = LayerIndex.read(new DataInputStream(new BufferedInputStream(found.open(at), 256 * 1024)));
                reading = found;
                in = new DataInputStream(new BufferedInputStream(found.open(), 256 * 1024));
                layersRecalled++;
                return index;
            } catch (IOException | RuntimeException e) {
                found.close();
                throw mismatch("the kept facts of layer " + layer.digest() + " do not read: " + e);
            }
        }
        layersRead++;
        try {
            writing = cache.begin(key(layer));
            out = new DataOutputStream(writing.out());
        } catch (IOException e) {
            writing = null; // the cache cannot be written: the analysis goes on without keeping this layer
        }
        return null;
    }

    @Override
    public InputStream recalledContent(FileEntry file, int ordinal) throws IOException {
        try {
            String path = LayerIndex.readString(in);
            if (!path.equals(file.path())) {
                throw mismatch("the kept facts list " + path + " where the layer has " + file.path());
            }
            byte[] head = new byte[in.readInt()];
            in.readFully(head);
            recalledPath = path;
            recalledElf = switch (in.readUnsignedByte()) {
                case NO_ELF -> null;
                case ELF_PARSED -> new ElfObjects.Parsed(ElfFile.readFrom(in), null);
                case ELF_ERROR -> new ElfObjects.Parsed(null, new ElfFormatException(in.readBoolean() ? LayerIndex.readString(in) : null));
                default -> throw mismatch("the kept facts of " + path + " are not in a known form");
            };
            return new ByteArrayInputStream(head);
        } catch (Mismatch e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw mismatch("the kept facts of " + file.path() + " do not read: " + e);
        }
    }

    /** An entry that passed its checksum but does not fit its layer is removed, so the next analysis stores a good one. */
    private Mismatch mismatch(String message) {
        if (recalling != null) {
            cache.remove(recalling);
        }
        return new Mismatch(message);
    }

    /** For {@link ElfObjects#visitor(long, ContentVisitor, java.util.function.Function)}: the recalled parse. */
    ElfObjects.Parsed earlier(FileEntry file) {
        if (file.path().equals(recalledPath)) {
            ElfObjects.Parsed p = recalledElf;
            recalledPath = null;
            recalledElf = null;
            return p;
        }
        return null;
    }

    /**
     * Wraps the pass's visitor: while a layer is read from its blob, keeps what the readers may take of each file
     * and how it parsed.
     */
    ContentVisitor recording(ContentVisitor visitor) {
        return (file, stream) -> {
            if (writing == null) {
                visitor.visit(file, stream);
                return;
            }
            int wanted = (int) Math.min(file.size(), Math.max(bytesWanted.applyAsInt(file), ElfObjects.HEADER_BYTES));
            byte[] head = stream.readNBytes(wanted);
            visitor.visit(file, new SequenceInputStream(new ByteArrayInputStream(head), stream));
            ElfObjects.Parsed parsed = objects.parsed(file.path());
            try {
                LayerIndex.writeString(out, file.path());
                out.writeInt(head.length);
                out.write(head);
                if (parsed == null) {
                    out.writeByte(NO_ELF);
                } else if (parsed.elf() != null) {
                    out.writeByte(ELF_PARSED);
                    parsed.elf().writeTo(out);
                } else {
                    out.writeByte(ELF_ERROR);
                    out.writeBoolean(parsed.error().getMessage() != null);
                    if (parsed.error().getMessage() != null) {
                        LayerIndex.writeString(out, parsed.error().getMessage());
                    }
                }
            } catch (IOException e) {
                abandonWriting(); // a full disk loses the entry, never the analysis
            }
        };
    }

    @Override
    public void indexed(int layerIndex, Descriptor layer, LayerIndex index) {
        if (writing == null) {
            return;
        }
        try {
            long at = out.size();
            index.write(out);
            out.writeLong(at);
            out.flush();
            writing.commit(Map.of("layer", layer.digest().toString()));
        } catch (IOException e) {
            // not kept; the analysis does not depend on it
        } finally {
            abandonWriting();
        }
    }

    private void abandonWriting() {
        if (writing != null) {
            try {
                writing.close();
            } catch (IOException e) {
                // the temporary directory is removed by a later prune
            }
            writing = null;
            out = null;
        }
    }

    private void endReading() throws IOException {
        recalledPath = null;
        recalledElf = null;
        if (reading != null) {
            in = null;
            reading.close();
            reading = null;
        }
    }

    @Override
    public void close() throws IOException {
        abandonWriting();
        endReading();
    }
}
