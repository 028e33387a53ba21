/**
 * A client for the OCI distribution API: resolves references to verified manifests and configurations,
 * streams blobs with digest checks, and pushes blobs and manifests. Plain Java on {@code java.net.http}.
 */
package dev.distill.engine.registry;
