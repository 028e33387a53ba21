/**
 * Immutable values that name and describe OCI images: digests, references, platforms, descriptors and
 * image configuration. Each value rejects bad input at construction, naming the bad value.
 */
package dev.distill.engine.image;
