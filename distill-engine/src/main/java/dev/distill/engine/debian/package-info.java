/**
 * Reads Debian binary packages ({@code .deb}): the ar container, the control paragraph and md5sums, and a
 * streaming walk over the files of {@code data.tar}. Packages are untrusted input: a malformed container, a path
 * that leaves the package root or an archive over its bound fails with a
 * {@link dev.distill.engine.debian.DebianPackageException} naming the package file and the entry.
 */
package dev.distill.engine.debian;
