package dev.distill.engine.plan;

/** The C library a program runs on, from the interpreter its ELF files name. */
public enum Libc {
    /** Statically linked: no loader, no libc file. */
    NONE,
    GLIBC,
    MUSL
}
