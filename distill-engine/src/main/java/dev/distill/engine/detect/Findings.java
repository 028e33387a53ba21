package dev.distill.engine.detect;

import dev.distill.engine.fs.FileEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Collects one detector's findings, looking up each path's layer in the image so that detectors only name
 * the path.
 */
public final class Findings {

    private final String detector;
    private final DetectionContext context;
    private final List<Finding> list = new ArrayList<>();

    public Findings(String detector, DetectionContext context) {
        this.detector = detector;
        this.context = context;
    }

    public Findings info(String path, String reason) {
        return add(Finding.Kind.INFO, path, 0, reason, Map.of());
    }

    public Findings warning(String path, String reason) {
        return add(Finding.Kind.WARNING, path, 0, reason, Map.of());
    }

    public Findings blocker(String path, int line, String reason) {
        return add(Finding.Kind.BLOCKER, path, line, reason, Map.of());
    }

    /** A file that could not be read or parsed. */
    public Findings error(String path, Exception cause) {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return add(Finding.Kind.ERROR, path, 0, "could not read " + path + ": " + message,
                Map.of("exception", cause.getClass().getName()));
    }

    public Findings add(Finding.Kind kind, String path, int line, String reason, Map<String, String> data) {
        list.add(new Finding(kind, detector, path, layerOf(path), line, reason, data));
        return this;
    }

    /** The findings so far, in order. */
    public List<Finding> list() {
        return List.copyOf(list);
    }

    public <R> Detection<R> done(R result) {
        return new Detection<>(detector, result, list);
    }

    private String layerOf(String path) {
        if (path == null || !path.startsWith("/")) {
            return "";
        }
        // The entry itself (a symlink's own layer), else the file it resolves to.
        return context.entry(path).or(() -> context.resolve(path)).map(FileEntry::layerDigest).orElse("");
    }
}
