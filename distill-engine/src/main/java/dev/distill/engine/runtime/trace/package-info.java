/**
 * Traces what a container's programs did with files: {@code strace} attached to the container's init process between
 * {@code runc create} and {@code runc start}, and a parser that turns its output into the absolute paths that failed
 * with {@code ENOENT} (without the misses every loader and path search makes), the paths opened, and per process the
 * program it ran and every path it used successfully: the evidence a self-repair is built from.
 */
package dev.distill.engine.runtime.trace;
