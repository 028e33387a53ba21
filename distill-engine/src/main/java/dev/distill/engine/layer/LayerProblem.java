package dev.distill.engine.layer;

import java.io.IOException;

/**
 * What the stream readers (decoder, tar reader, byte budget) find wrong, before the layer it happened in is
 * known; {@link LayeredFileSystem} turns it into a {@link LayerException} naming the layer.
 */
final class LayerProblem extends IOException {

    private static final long serialVersionUID = 1L;

    private final LayerException.Kind kind;
    private final String entry;

    LayerProblem(LayerException.Kind kind, String entry, String problem) {
        this(kind, entry, problem, null);
    }

    LayerProblem(LayerException.Kind kind, String entry, String problem, Throwable cause) {
        super(problem, cause);
        this.kind = kind;
        this.entry = entry;
    }

    LayerException.Kind kind() {
        return kind;
    }

    /** This problem, said to have happened while reading the given entry, unless it already names one. */
    LayerProblem during(String currentEntry) {
        if (entry != null || currentEntry == null) {
            return this;
        }
        LayerProblem located = new LayerProblem(kind, currentEntry, getMessage(), getCause());
        located.setStackTrace(getStackTrace());
        return located;
    }

    /** The tar entry it is about, or null. */
    String entry() {
        return entry;
    }
}
