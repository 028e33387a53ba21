package dev.distill.engine.elf;

/** What an ELF file is for, as far as its headers tell. */
public enum ElfKind {
    /** ET_EXEC with a program interpreter: a classic dynamically linked executable. */
    EXECUTABLE,
    /** ET_EXEC without a program interpreter and without DT_NEEDED. */
    STATIC_EXECUTABLE,
    /** ET_DYN with a program interpreter and DF_1_PIE (or without SONAME: older linkers set no DF_1_PIE). */
    PIE_EXECUTABLE,
    /** ET_DYN with DF_1_PIE, without a program interpreter and without DT_NEEDED ({@code gcc -static-pie}). */
    STATIC_PIE_EXECUTABLE,
    /** ET_DYN with a SONAME and without DF_1_PIE (libc.so.6 is one although it also runs). */
    SHARED_LIBRARY,
    /**
     * ET_DYN without DF_1_PIE, SONAME or program interpreter: a plugin module (PHP extensions have no SONAME)
     * or a static-pie of an old linker; the headers do not tell.
     */
    SHARED_OBJECT_UNKNOWN,
    RELOCATABLE,
    CORE,
    OTHER
}
