package dev.distill.engine.detect;

/**
 * One concern of an image, detected over its filesystem and configuration.
 *
 * @param <R> the detector's typed result
 */
public interface Detector<R> {

    /** A short stable name, used in findings ({@code shell}, {@code nginx}). */
    String name();

    /**
     * Reads the image. Implementations record problems with single files as findings and return what they
     * could read; they do not throw for bad image content.
     */
    Detection<R> detect(DetectionContext context);
}
