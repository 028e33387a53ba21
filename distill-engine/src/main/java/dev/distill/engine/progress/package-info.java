/**
 * How far long work has come, as numbers a caller can show (layers and bytes read, files carried, probes run):
 * the engine reports through {@link dev.distill.engine.progress.ProgressListener} and never learns who listens.
 */
package dev.distill.engine.progress;
