package dev.distill.engine.elf;

/** EI_CLASS: the word size of the file. */
public enum ElfClass {
    ELF32, ELF64
}
