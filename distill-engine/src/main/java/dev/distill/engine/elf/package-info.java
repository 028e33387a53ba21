/**
 * Reading executables without running them: {@link dev.distill.engine.elf.ElfFile} parses the parts of an ELF
 * file that decide how it is loaded (class, encoding, machine, type, program interpreter, DT_NEEDED, RPATH,
 * RUNPATH, SONAME, flags), and {@link dev.distill.engine.elf.Shebang} the first line of a script. Malformed
 * input is reported as {@link dev.distill.engine.elf.ElfFormatException}, never as a runtime error.
 */
package dev.distill.engine.elf;
