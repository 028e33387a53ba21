/**
 * Runs an image under runc in a sandbox: makes its rootfs in an OCI runtime bundle (an overlay of layer trees shared
 * between runs, or its merged filesystem unpacked in full), writes a
 * locked-down runtime config from the image config, and drives the container (or a pod of containers sharing one
 * network namespace) through create, optional tracing, start, stop and cleanup, within a time limit. Every container
 * of a {@link dev.distill.engine.runtime.Sandbox} is confined alike ({@link dev.distill.engine.runtime.Confinement}:
 * a seccomp allowlist and a user namespace over host ids leased for that sandbox alone).
 */
package dev.distill.engine.runtime;
