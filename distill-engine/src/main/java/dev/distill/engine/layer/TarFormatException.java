package dev.distill.engine.layer;

import java.io.IOException;

/**
 * A tar archive read with {@link TarStream} is malformed, uses a feature Distill does not read, or is over its
 * size bound. The message says what is wrong; {@link #entry()} names the entry at fault when there is one.
 */
public final class TarFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final LayerException.Kind kind;
    private final String entry;

    TarFormatException(LayerProblem problem, String currentEntry) {
        super(problem.getMessage(), problem.getCause());
        LayerProblem located = problem.during(currentEntry);
        this.kind = located.kind();
        this.entry = located.entry();
    }

    /** What is wrong, in the same terms as a layer's failure. */
    public LayerException.Kind kind() {
        return kind;
    }

    /** The entry's name as its header wrote it, or null when the problem is not about one entry. */
    public String entry() {
        return entry;
    }
}
