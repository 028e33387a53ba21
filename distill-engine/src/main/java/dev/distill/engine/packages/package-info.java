/**
 * The source image's package databases: dpkg ({@code /var/lib/dpkg/status} with {@code info/*.list} and
 * {@code .md5sums}, or distroless's {@code status.d/}) and apk ({@code /lib/apk/db/installed}), read during the
 * analysis' one pass over the layers into a {@link dev.distill.engine.packages.PackageInventory}: which package owns
 * which file, with its record and licence. The writers give a result image the records of the packages it carries
 * files of, in the form scanners read, restricted to (and marked for) what is carried.
 */
package dev.distill.engine.packages;
