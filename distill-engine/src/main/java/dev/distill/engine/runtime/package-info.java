/**
 * Runs an image under runc in a sandbox: unpacks its merged filesystem into an OCI runtime bundle, writes a
 * locked-down runtime config from the image config, and drives the container (or a pod of containers sharing one
 * network namespace) through create, optional tracing, start, stop and cleanup, within a time limit.
 */
package dev.distill.engine.runtime;
