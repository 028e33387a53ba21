/**
 * Reads image layers into a merged filesystem view: decodes each layer blob by its media type (tar, gzip,
 * zstd), reads the tar stream with our own bounded reader, applies OCI whiteouts bottom to top and keeps only
 * metadata in memory; file contents are streamed again from the layer when asked for.
 *
 * <p>Layers are untrusted input. Everything that could make the view lie or make reading unbounded fails with
 * a {@link dev.distill.engine.layer.LayerException} that names the layer, the entry and the problem; nothing is
 * ever written to the host's filesystem.
 *
 * <p>A layer indexed before ({@link dev.distill.engine.layer.LayerIndex}, kept by its digest) can be merged again
 * without reading its blob, through {@link dev.distill.engine.layer.KnownLayers}.
 */
package dev.distill.engine.layer;
