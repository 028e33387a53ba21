package dev.distill.engine.layer;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.MediaTypes;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** A directory of blobs named by their real sha256, and a source over it that counts how often each is opened. */
final class Blobs implements BlobSource {

    private final Path directory;
    private final BlobSource source;
    private final Map<Digest, Integer> opened = new HashMap<>();

    Blobs(Path directory) {
        this.directory = directory;
        this.source = BlobSource.directory(directory);
    }

    /** Stores the blob under its digest and describes it with the given media type. */
    Descriptor put(String mediaType, byte[] blob) {
        Digest digest = Digest.sha256(blob);
        write(digest, blob);
        return new Descriptor(mediaType, digest, blob.length);
    }

    Descriptor tar(byte[] tar) {
        return put(MediaTypes.OCI_LAYER_TAR, tar);
    }

    Descriptor gzip(byte[] tar) {
        return put(MediaTypes.OCI_LAYER_TAR_GZIP, gzipped(tar));
    }

    Descriptor zstd(byte[] tar) {
        return put(MediaTypes.OCI_LAYER_TAR_ZSTD, zstded(tar));
    }

    /** Replaces a stored blob's bytes without changing its name, as a corrupted store would. */
    void tamper(Descriptor blob, byte[] bytes) {
        write(blob.digest(), bytes);
    }

    Path directory() {
        return directory;
    }

    int opened(Descriptor blob) {
        return opened.getOrDefault(blob.digest(), 0);
    }

    LayeredFileSystem build(Descriptor... layers) throws LayerException {
        return LayeredFileSystem.build(List.of(layers), this);
    }

    LayeredFileSystem build(LayerLimits limits, Descriptor... layers) throws LayerException {
        return LayeredFileSystem.build(List.of(layers), this, limits);
    }

    @Override
    public synchronized InputStream open(Descriptor blob) throws IOException {
        opened.merge(blob.digest(), 1, Integer::sum);
        return source.open(blob);
    }

    static byte[] gzipped(byte[] data) {
        return compress(data, GZIPOutputStream::new);
    }

    static byte[] zstded(byte[] data) {
        return compress(data, ZstdOutputStream::new);
    }

    private interface Compressor {
        OutputStream wrap(OutputStream out) throws IOException;
    }

    private static byte[] compress(byte[] data, Compressor compressor) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream compressed = compressor.wrap(out)) {
            compressed.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void write(Digest digest, byte[] bytes) {
        try {
            Path file = directory.resolve(digest.algorithm()).resolve(digest.hex());
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
