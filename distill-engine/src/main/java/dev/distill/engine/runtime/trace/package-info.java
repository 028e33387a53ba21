/**
 * Traces which files a container's programs looked for and did not find: {@code strace} attached to the container's
 * init process between {@code runc create} and {@code runc start}, and a parser that turns its output into the
 * absolute paths that failed with {@code ENOENT}, without the misses every loader and path search makes, and the
 * paths it opened (what the program really used, for sizing the smallest possible image).
 */
package dev.distill.engine.runtime.trace;
