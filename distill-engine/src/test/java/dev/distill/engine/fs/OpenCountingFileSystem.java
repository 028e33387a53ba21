package dev.distill.engine.fs;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A filesystem that records which files were opened, in order: for an image read from its layers each open streams
 * a whole layer, so tests count them.
 */
public final class OpenCountingFileSystem extends ForwardingFileSystem {

    private final ImageFileSystem inner;
    private final List<String> opened = new ArrayList<>();

    public OpenCountingFileSystem(ImageFileSystem inner) {
        this.inner = inner;
    }

    @Override
    protected ImageFileSystem delegate() {
        return inner;
    }

    @Override
    public synchronized InputStream open(FileEntry file) throws IOException {
        opened.add(file.path());
        return inner.open(file);
    }

    /** The paths opened so far, in order. */
    public synchronized List<String> opened() {
        return List.copyOf(opened);
    }

    /** Forgets what was opened so far. */
    public synchronized void clear() {
        opened.clear();
    }
}
