/**
 * The dynamic loaders' own rules, applied to an image without running anything: which file each DT_NEEDED
 * name becomes under glibc's {@code ld-linux} ({@link dev.distill.engine.loader.GlibcLoader}) or musl's
 * {@code ld-musl} ({@link dev.distill.engine.loader.MuslLoader}), and the whole closure of files (with the
 * symlinks on the way) a program needs ({@link dev.distill.engine.loader.ElfDependencyResolver}). Objects
 * loaded with {@code dlopen} are not named in DT_NEEDED and are out of reach here.
 */
package dev.distill.engine.loader;
