/**
 * Attack-surface inventory: shells, package managers, compilers, interpreters and network tools on the
 * executable paths, setuid and setgid files, package counts from the apk and dpkg databases, the OS from
 * os-release and the C library from its loader.
 */
package dev.distill.engine.detect.surface;
