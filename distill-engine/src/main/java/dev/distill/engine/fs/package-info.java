/**
 * The image's merged root filesystem as one read-only view: every path with its type, mode, owner, link
 * target and the layer its bytes come from. Detectors and loaders read images only through it.
 */
package dev.distill.engine.fs;
