/**
 * OCI image layouts on disk ({@code oci-layout}, {@code index.json}, {@code blobs/<alg>/<hex>}): images that
 * tools such as umoci and skopeo write, read without a registry.
 */
package dev.distill.engine.layout;
