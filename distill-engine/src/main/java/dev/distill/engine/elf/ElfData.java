package dev.distill.engine.elf;

/** EI_DATA: the byte order of the file. */
public enum ElfData {
    LITTLE_ENDIAN, BIG_ENDIAN
}
