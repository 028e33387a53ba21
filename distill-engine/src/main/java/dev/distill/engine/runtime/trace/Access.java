package dev.distill.engine.runtime.trace;

/** How a traced program used a path that exists, as the system call that succeeded on it shows. */
public enum Access {
    /** Run with {@code execve}: a program image. */
    EXECUTED,
    /** Opened for reading: the program used its content. */
    READ,
    /** Opened for writing or created: a place the program writes, not content it needs. */
    WRITTEN,
    /** A directory opened as a directory ({@code O_DIRECTORY}) or listed ({@code getdents}). */
    LISTED,
    /** Only looked at ({@code stat}, {@code access}, {@code readlink}, {@code chdir}): the program saw it exist. */
    LOOKED_UP
}
