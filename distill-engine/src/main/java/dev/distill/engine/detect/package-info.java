/**
 * Detectors: small, independent readers of one concern of an image (its entrypoint, supervisord, PHP, nginx,
 * runtime data, accounts, attack surface), in the style of a cataloger. Each reads the image only through
 * {@link dev.distill.engine.fs.ImageFileSystem} and the {@link dev.distill.engine.image.ImageConfig}, returns a
 * typed result and a list of {@link dev.distill.engine.detect.Finding}s (each naming path, layer and reason),
 * and never throws for a bad file: a failure on one file is a finding of kind
 * {@link dev.distill.engine.detect.Finding.Kind#ERROR}.
 */
package dev.distill.engine.detect;
