package dev.distill.engine.layer;

import static dev.distill.engine.layer.LayerException.Kind.DIGEST_MISMATCH;
import static dev.distill.engine.layer.LayerException.Kind.LIMIT_EXCEEDED;
import static dev.distill.engine.layer.LayerException.Kind.UNAVAILABLE;

import dev.distill.engine.fs.ContentVisitor;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileIndex;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.IndexedFileSystem;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.registry.DigestMismatchException;
import dev.distill.engine.registry.RegistryClient;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An image's merged root filesystem read from its layers. Building it streams each layer once, bottom to top,
 * and keeps only metadata; file contents are read again from their layer when asked for, so memory depends on
 * the number of entries (bounded by {@link LayerLimits}), never on the image's size.
 *
 * <p>Every read verifies the layer blob against its digest: reading goes on to the end of the blob, so a source
 * that serves different bytes than it did when the view was built makes the read fail instead of returning them.
 * Reading one file therefore costs reading its whole layer; to read many, use {@link #readAll}, which reads each
 * layer it needs once.
 *
 * <p>Immutable and safe to share between threads; each read opens its own streams.
 */
public final class LayeredFileSystem extends IndexedFileSystem {

    private static final int DRAIN_BUFFER = 64 * 1024;

    private final List<Descriptor> layers;
    private final BlobSource source;
    private final LayerLimits limits;
    private final Map<String, Long> contents;
    private final long[] uncompressedSizes;
    private final List<UnreadableEntry> unreadable;
    private final List<Whiteout> whiteouts;

    private LayeredFileSystem(List<Descriptor> layers, BlobSource source, LayerLimits limits, FileIndex index,
            Map<String, Long> contents, long[] uncompressedSizes, List<UnreadableEntry> unreadable, List<Whiteout> whiteouts) {
        super(index);
        this.whiteouts = whiteouts;
        this.unreadable = unreadable;
        this.layers = layers;
        this.source = source;
        this.limits = limits;
        this.contents = contents;
        this.uncompressedSizes = uncompressedSizes;
    }

    /** Builds the view with {@link LayerLimits#defaults()}. */
    public static LayeredFileSystem build(List<Descriptor> layers, BlobSource source) throws LayerException {
        return build(layers, source, LayerLimits.defaults());
    }

    /**
     * Reads every layer once, bottom (index 0) to top.
     *
     * @param layers as the manifest lists them, bottom first
     * @throws LayerException for the first layer that cannot be read, fetched or trusted; nothing is kept then
     */
    public static LayeredFileSystem build(List<Descriptor> layers, BlobSource source, LayerLimits limits) throws LayerException {
        try {
            return build(layers, source, limits, null);
        } catch (LayerException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("only a visitor fails otherwise", e); // there is none
        }
    }

    /**
     * Builds the view like {@link #build(List, BlobSource, LayerLimits)} and, in the same pass, hands the data of
     * every regular file entry of every layer to {@code visitor} as the layer is read, so that a caller who needs
     * the content of (nearly) every file does not read the layers a second time with {@link #readAll}.
     *
     * <p>The visitor sees every layer's files, also those that an upper layer later replaces or deletes. The
     * {@link FileEntry} it is given is the view's own entry for that content: a file is part of the finished view
     * with exactly the bytes visited when {@code view.entry(path)} returns that very object ({@code ==}); any other
     * regular file of the view (a hard link whose target was replaced above it) has to be read with
     * {@link #readAll}. As with {@code readAll}, the bytes are verified only when this method returns normally.
     * Exceptions the visitor throws are passed through as they are.
     *
     * @param visitor called for each regular file entry, bottom layer first, in tar order; may be null
     */
    public static LayeredFileSystem build(List<Descriptor> layers, BlobSource source, LayerLimits limits,
            ContentVisitor visitor) throws IOException {
        return build(layers, source, limits, visitor, null);
    }

    /**
     * As {@link #build(List, BlobSource, LayerLimits, ContentVisitor)}, but layers that {@code known} recalls are
     * merged from their kept index without reading their blobs, and the visitor is given what {@code known} kept of
     * their files; every layer read is handed to {@code known} once indexed and verified. The view is the same: the
     * limits hold as for a read, and reading a recalled layer's file later streams its blob as for any other.
     *
     * @param known layers indexed before; may be null
     */
    public static LayeredFileSystem build(List<Descriptor> layers, BlobSource source, LayerLimits limits,
            ContentVisitor visitor, KnownLayers known) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(limits, "limits");
        List<Descriptor> copy = List.copyOf(layers);
        for (int i = 0; i < copy.size(); i++) {
            try {
                LayerDecoder.checkSupported(copy.get(i).mediaType());
            } catch (LayerProblem p) {
                throw failure(i, copy.get(i), null, p); // before fetching anything
            }
        }
        LayerMerger merger = new LayerMerger(limits);
        long[] sizes = new long[copy.size()];
        long[] budget = {limits.maxTotalUncompressedBytes()};
        for (int i = 0; i < copy.size(); i++) {
            Descriptor layer = copy.get(i);
            merger.startLayer(i, layer.digest().toString());
            LayerIndex recalled = known == null ? null : known.recall(i, layer);
            if (recalled != null) {
                sizes[i] = mergeRecalled(i, layer, recalled, merger, budget, limits, visitor, known);
                continue;
            }
            List<TarEntry> record = known == null ? null : new ArrayList<>();
            long[] holes = {0};
            sizes[i] = indexLayer(i, layer, source, merger, budget, limits, visitor, record, holes);
            if (known != null) {
                known.indexed(i, layer, new LayerIndex(sizes[i], holes[0], record));
            }
        }
        return new LayeredFileSystem(copy, source, limits, merger.index(), merger.contents(), sizes, merger.unreadable(),
                merger.whiteouts());
    }

    /** The view of a resolved image, its layers streamed from the registry it was resolved in. */
    public static LayeredFileSystem build(ResolvedImage image, RegistryClient client, LayerLimits limits) throws LayerException {
        return build(image.layers(), BlobSource.registry(client, image.pinnedReference()), limits);
    }

    /** The size of layer {@code index}'s tar as read, uncompressed. */
    public long uncompressedSize(int index) {
        return uncompressedSizes[index];
    }

    /** The entries left out of the view because their name or link target is not UTF-8, bottom layer first. */
    public List<UnreadableEntry> unreadableEntries() {
        return unreadable;
    }

    /**
     * The deletions the layers made in the layers below them (already applied to this view), bottom layer first:
     * what a runtime that stacks the layers itself needs besides each layer's files.
     */
    public List<Whiteout> whiteouts() {
        return whiteouts;
    }

    /** Where the layers' bytes are read from (a view of some of the layers reads them from the same). */
    public BlobSource blobSource() {
        return source;
    }

    /** The limits the view was built under; a view of some of its layers is built under the same. */
    public LayerLimits limits() {
        return limits;
    }

    /**
     * Where a regular file's (or hard link's) bytes are: its layer's digest and the entry's ordinal in that layer's
     * tar, which name the same bytes in every image with that layer; null when it is not a regular file of this view.
     */
    public String contentId(FileEntry file) {
        Long content = contents.get(file.path());
        if (content == null || index.entry(file.path()).isEmpty()) {
            return null;
        }
        return layers.get(LayerMerger.layerOf(content)).digest() + "#" + LayerMerger.ordinalOf(content);
    }

    /** The layers this view was built from, bottom first. */
    public List<Descriptor> layers() {
        return layers;
    }

    /**
     * Reads the file into memory (at most {@link LayerLimits#maxInMemoryFileBytes()}) and verifies its layer
     * before returning it. A hard link reads as the file it links to.
     */
    @Override
    public InputStream open(FileEntry file) throws IOException {
        long content = contentOf(file);
        long size = index.entry(file.path()).orElseThrow().size();
        if (size > limits.maxInMemoryFileBytes()) {
            Descriptor layer = layers.get(LayerMerger.layerOf(content));
            throw LayerException.fileTooLarge(LayerMerger.layerOf(content), layer.digest(), file.path(), "file of "
                    + size + " bytes is over the in-memory limit of " + limits.maxInMemoryFileBytes() + "; stream it with readAll");
        }
        return new ByteArrayInputStream(readOne(file, (int) limits.maxInMemoryFileBytes()));
    }

    /** Reads only the first {@code limit} bytes into memory, however large the file. */
    @Override
    public byte[] read(FileEntry file, int limit) throws IOException {
        return readOne(file, (int) Math.min(limit, limits.maxInMemoryFileBytes()));
    }

    /**
     * Streams many files reading each layer that holds some of them once: the visitor is called for each
     * requested file (once per path, however often it is listed), layer by layer from the bottom and in tar order
     * within a layer. Hard links are read as the file they link to; when several requested names share one file,
     * its bytes are read once and given to each from memory, unless the file is larger than
     * {@link LayerLimits#maxInMemoryFileBytes()}: then each further name costs one more pass over that layer.
     *
     * <p>The visitor sees bytes before the end of their layer has been verified: only when this method returns
     * normally were they all the layers' true content. Exceptions the visitor throws are passed through as they are.
     *
     * @throws IOException when a requested entry is not a regular file (or hard link to one) of this view, before
     *     anything is read
     * @throws LayerException when a layer cannot be read again or is not what it was when the view was built
     */
    @Override
    public void readAll(Collection<FileEntry> files, ContentVisitor visitor) throws IOException {
        Objects.requireNonNull(visitor, "visitor");
        Map<String, FileEntry> byPath = new LinkedHashMap<>();
        for (FileEntry file : files) {
            byPath.putIfAbsent(file.path(), file);
        }
        Map<Long, List<FileEntry>> pending = new LinkedHashMap<>();
        for (FileEntry file : byPath.values()) {
            pending.computeIfAbsent(contentOf(file), c -> new ArrayList<>()).add(file);
        }
        // Hard links share one tar entry. Its bytes are read once and handed to each name from memory when small
        // enough; a larger one goes to one name per pass, so only large hard-linked files cost extra passes.
        while (!pending.isEmpty()) {
            TreeMap<Integer, TreeMap<Integer, List<FileEntry>>> round = new TreeMap<>();
            Map<Long, List<FileEntry>> later = new LinkedHashMap<>();
            pending.forEach((content, names) -> {
                List<FileEntry> now = names;
                if (names.size() > 1 && index.entry(names.get(0).path()).orElseThrow().size() > limits.maxInMemoryFileBytes()) {
                    now = names.subList(0, 1);
                    later.put(content, names.subList(1, names.size()));
                }
                round.computeIfAbsent(LayerMerger.layerOf(content), l -> new TreeMap<>()).put(LayerMerger.ordinalOf(content), now);
            });
            for (Map.Entry<Integer, TreeMap<Integer, List<FileEntry>>> layer : round.entrySet()) {
                streamLayer(layer.getKey(), layer.getValue(), visitor);
            }
            pending = later;
        }
    }

    @Override
    public String toString() {
        return "layered filesystem of " + layers.size() + " layers, " + index.size() + " entries, from " + source;
    }

    private byte[] readOne(FileEntry file, int limit) throws IOException {
        byte[][] result = new byte[1][];
        readAll(List.of(file), (f, in) -> result[0] = in.readNBytes(limit));
        return result[0];
    }

    private long contentOf(FileEntry file) throws IOException {
        Long content = contents.get(file.path());
        Optional<FileEntry> current = index.entry(file.path());
        if (content == null || current.isEmpty()) {
            throw new IOException(file.path() + " is not a regular file of this image" + current.map(e -> " (it is a " + e.type() + ")")
                    .orElse(" (no such entry)"));
        }
        return content;
    }

    private void streamLayer(int layerIndex, TreeMap<Integer, List<FileEntry>> wanted, ContentVisitor visitor) throws IOException {
        Descriptor layer = layers.get(layerIndex);
        TarReader reader = null;
        try (InputStream raw = source.open(layer)) {
            try (InputStream decoded = LayerDecoder.decode(layer.mediaType(), unclosable(raw))) {
                // The layer fit its budget when indexed; more bytes now means it is not the same layer.
                ByteBudget counted = new ByteBudget(decoded, uncompressedSizes[layerIndex], DIGEST_MISMATCH,
                        "the layer decompresses to more bytes than when it was indexed: its content changed");
                reader = new TarReader(counted, limits.maxPathLength());
                int last = wanted.lastKey();
                TarEntry entry;
                while ((entry = reader.next()) != null) {
                    List<FileEntry> names = wanted.get(entry.ordinal());
                    if (names != null) {
                        if (entry.type() != FileType.REGULAR) {
                            throw new LayerProblem(DIGEST_MISMATCH, entry.name(), "expected the data of " + names.get(0).path()
                                    + " here, found a " + entry.type() + ": the layer changed since it was indexed");
                        }
                        if (names.size() == 1) {
                            visit(visitor, names.get(0), reader.body());
                        } else {
                            byte[] shared = reader.body().readNBytes((int) limits.maxInMemoryFileBytes());
                            for (FileEntry name : names) {
                                visit(visitor, name, new ByteArrayInputStream(shared));
                            }
                        }
                    }
                    if (entry.ordinal() >= last) {
                        break;
                    }
                }
                if (entry == null) {
                    throw new LayerProblem(DIGEST_MISMATCH, null, "the layer ended before entry " + last
                            + ": it changed since it was indexed");
                }
            } catch (LayerProblem e) {
                throw blame(e, raw);
            }
            drain(raw);
        } catch (VisitorFailure e) {
            throw e.getCause();
        } catch (IOException e) {
            throw failure(layerIndex, layer, reader, e);
        }
    }

    private static void visit(ContentVisitor visitor, FileEntry file, InputStream body) throws IOException {
        try {
            visitor.visit(file, SourceFailure.marking(body));
        } catch (LayerProblem | DigestMismatchException e) {
            throw e; // reading the layer failed under the visitor: a layer failure, not the visitor's
        } catch (IOException e) {
            IOException layers = SourceFailure.marked(e);
            if (layers != null) {
                // Reading the file's bytes failed (the blob's transfer, however the visitor passed it on): the layer's.
                throw layers;
            }
            throw new VisitorFailure(e);
        }
    }

    /**
     * Merges a layer from an earlier pass's index, under the same limits as a read of its blob (the tar reader's own
     * bounds held when the index was made; its keeper keys it by the limits too).
     */
    private static long mergeRecalled(int layerIndex, Descriptor layer, LayerIndex index, LayerMerger merger, long[] budget,
            LayerLimits limits, ContentVisitor visitor, KnownLayers known) throws IOException {
        if (index.uncompressedSize() + index.holeBytes() > budget[0]) {
            throw new LayerException(LIMIT_EXCEEDED, layerIndex, layer.digest(), null, "the layers decompress to more than "
                    + limits.maxTotalUncompressedBytes() + " bytes (the limit)", null);
        }
        try {
            for (TarEntry entry : index.entries()) {
                FileEntry file = merger.apply(entry);
                if (visitor != null && file != null) {
                    InputStream content;
                    try {
                        content = known.recalledContent(file, entry.ordinal());
                    } catch (IOException e) {
                        throw new VisitorFailure(e); // the keeper's own failure, not the layer's
                    }
                    if (content != null) {
                        visit(visitor, file, content);
                    }
                }
            }
        } catch (VisitorFailure e) {
            throw e.getCause();
        } catch (IOException e) {
            throw failure(layerIndex, layer, null, e);
        }
        budget[0] -= index.uncompressedSize() + index.holeBytes();
        return index.uncompressedSize();
    }

    /**
     * @param budget the bytes all layers from this one up may still decompress to (and sparse holes expand to); lowered here
     * @param record receives every entry read, when not null
     * @param holes receives the bytes charged for sparse files' holes
     */
    private static long indexLayer(int layerIndex, Descriptor layer, BlobSource source, LayerMerger merger, long[] budget,
            LayerLimits limits, ContentVisitor visitor, List<TarEntry> record, long[] holes) throws IOException {
        TarReader reader = null;
        try (InputStream raw = source.open(layer)) {
            long size;
            try (InputStream decoded = LayerDecoder.decode(layer.mediaType(), unclosable(raw))) {
                ByteBudget counted = new ByteBudget(decoded, budget[0], LIMIT_EXCEEDED, "the layers decompress to more than "
                        + limits.maxTotalUncompressedBytes() + " bytes (the limit)");
                reader = new TarReader(counted, limits.maxPathLength());
                TarEntry entry;
                while ((entry = reader.next()) != null) {
                    // A sparse file's holes read as zeros: a small layer must not expand without end that way either.
                    counted.charge(reader.holeBytes());
                    if (record != null) {
                        record.add(entry);
                    }
                    FileEntry file = merger.apply(entry);
                    if (visitor != null && file != null) {
                        visit(visitor, file, reader.body());
                    }
                }
                // Read to the very end: that checks the gzip trailer, and below, the blob's digest.
                reader.drain();
                size = counted.count();
                holes[0] = counted.charged();
                budget[0] -= size + counted.charged();
            } catch (LayerProblem e) {
                throw blame(e, raw);
            }
            drain(raw);
            return size;
        } catch (VisitorFailure e) {
            throw e.getCause();
        } catch (IOException e) {
            throw failure(layerIndex, layer, reader, e);
        }
    }

    /**
     * A layer that does not parse may simply not be the blob it claims to be: if the rest of the blob does not
     * match its digest, that is the real problem, and the parse error only a symptom. Only on failure does this
     * read the rest of the (compressed, size-bounded) blob.
     */
    private static IOException blame(LayerProblem problem, InputStream raw) {
        try {
            drain(raw);
        } catch (DigestMismatchException mismatch) {
            mismatch.addSuppressed(problem);
            return mismatch;
        } catch (IOException | RuntimeException ignored) {
            // The blob cannot be read further: the parse error is all we know.
        }
        return problem;
    }

    // Decoders close their source when closed; the blob must stay open to be drained and verified after them.
    private static InputStream unclosable(InputStream raw) {
        return new FilterInputStream(raw) {
            @Override
            public void close() {
                // closed by its owner
            }
        };
    }

    private static void drain(InputStream raw) throws IOException {
        byte[] buffer = new byte[DRAIN_BUFFER];
        while (raw.read(buffer) >= 0) {
            // The blob source verifies size and digest when it reaches the end.
        }
    }

    private static LayerException failure(int layerIndex, Descriptor layer, TarReader reader, IOException e) {
        if (e instanceof LayerException le) {
            return le;
        }
        String current = reader != null ? reader.currentName() : null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DigestMismatchException) {
                return new LayerException(DIGEST_MISMATCH, layerIndex, layer.digest(), null,
                        "the blob is not what its descriptor says: " + t.getMessage(), e);
            }
        }
        if (e instanceof LayerProblem p) {
            return new LayerException(p.kind(), layerIndex, layer.digest(), p.entry(), p.getMessage(), p.getCause());
        }
        return new LayerException(UNAVAILABLE, layerIndex, layer.digest(), current, "cannot read the blob: " + e.getMessage(), e);
    }

    /** Carries an exception the visitor threw past the layer-failure handling, to be rethrown unchanged. */
    private static final class VisitorFailure extends IOException {
        private static final long serialVersionUID = 1L;

        VisitorFailure(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }
}
