package dev.distill.engine.elf;

/** What an ELF file is for, as far as its headers tell. */
public enum ElfKind {
    /** ET_EXEC with a program interpreter: a classic dynamically linked executable. */
    EXECUTABLE,
    /** ET_EXEC without a program interpreter and without DT_NEEDED. */
    STATIC_EXECUTABLE,
    /** ET_DYN with a program interpreter and DF_1_PIE (or without SONAME: older linkers set no DF_1_PIE). */
    PIE_EXECUTABLE,
    /** ET_DYN without a program interpreter or DT_NEEDED, with DF_1_PIE or without SONAME but with an entry. */
    STATIC_PIE_EXECUTABLE,
    /** ET_DYN with a SONAME and without DF_1_PIE (libc.so.6 is one although it also runs). */
    SHARED_LIBRARY,
    /** ET_DYN that could be a module without SONAME or an old PIE: the headers do not tell. */
    SHARED_OBJECT_UNKNOWN,
    RELOCATABLE,
    CORE,
    OTHER
}
