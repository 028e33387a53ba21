package dev.distill.engine.analysis;

import dev.distill.engine.fs.ContentVisitor;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ForwardingFileSystem;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.layer.LayerException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Objects;

/**
 * An image filesystem that exists only once its layers have been read: the analysis's caches are made before the
 * one pass that both indexes the layers and fills them, and read through this afterwards.
 *
 * <p>Every read after the pass (a detector or the loader reading a file the pass kept only the head of, or any file
 * of a layer whose facts came from the layer cache) goes through this view, and may stream a layer from its registry
 * again. Those readers record a file they cannot read as a fact about that file; a layer that cannot be read (the
 * transfer too slow or reset, the blob not its digest's) is no such fact. So this view remembers the first such
 * failure, answers every later read with it at once (instead of going back to a registry that just failed), and the
 * analysis fails with it ({@link #throwIfALayerFailed()}) like one whose pass could not read the layer.
 */
final class DeferredFileSystem extends ForwardingFileSystem {

    private volatile ImageFileSystem image;
    private volatile LayerException layerFailure;

    void set(ImageFileSystem built) {
        this.image = Objects.requireNonNull(built, "built");
    }

    @Override
    protected ImageFileSystem delegate() {
        ImageFileSystem i = image;
        if (i == null) {
            throw new IllegalStateException("the image's layers have not been read yet");
        }
        return i;
    }

    @Override
    public InputStream open(FileEntry file) throws IOException {
        failIfALayerFailed();
        try {
            return delegate().open(file);
        } catch (LayerException e) {
            throw remembered(e);
        }
    }

    @Override
    public byte[] read(FileEntry file, int limit) throws IOException {
        failIfALayerFailed();
        try {
            return delegate().read(file, limit);
        } catch (LayerException e) {
            throw remembered(e);
        }
    }

    @Override
    public void readAll(Collection<FileEntry> files, ContentVisitor visitor) throws IOException {
        failIfALayerFailed();
        try {
            delegate().readAll(files, visitor);
        } catch (LayerException e) {
            throw remembered(e);
        }
    }

    private synchronized LayerException remembered(LayerException e) {
        if (!e.aboutOneFile() && layerFailure == null) {
            layerFailure = e;
        }
        return e;
    }

    private void failIfALayerFailed() throws LayerException {
        LayerException failed = layerFailure;
        if (failed != null) {
            throw failed;
        }
    }

    /** Throws the first failure to read a layer through this view, if there was one. */
    void throwIfALayerFailed() throws LayerException {
        failIfALayerFailed();
    }

    @Override
    public String toString() {
        return String.valueOf(image);
    }
}
