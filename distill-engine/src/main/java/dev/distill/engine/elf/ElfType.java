package dev.distill.engine.elf;

/** e_type. {@code DYN} covers both shared libraries and position-independent executables. */
public enum ElfType {
    NONE, REL, EXEC, DYN, CORE, OTHER;

    static ElfType of(int value) {
        return switch (value) {
            case 0 -> NONE;
            case 1 -> REL;
            case 2 -> EXEC;
            case 3 -> DYN;
            case 4 -> CORE;
            default -> OTHER;
        };
    }
}
