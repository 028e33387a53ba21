/**
 * The programs an image runs: the entrypoint's final program in exec form ({@code #!} scripts on their
 * interpreter), process managers replaced by the programs they run, and for each what every program kind of the
 * context knows of it (its {@link dev.distill.engine.detect.ProgramProfile}).
 */
package dev.distill.engine.detect.programs;
