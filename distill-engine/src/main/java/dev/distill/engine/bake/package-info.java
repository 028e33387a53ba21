/**
 * Baking an entrypoint's build-time steps: they run once, in order, in a runc sandbox of the source image (no
 * network, the image's environment, limits, a time bound), and the files each step makes, changes or deletes are
 * found by comparing the root filesystem before and after it, for the builder to carry as a layer.
 */
package dev.distill.engine.bake;
