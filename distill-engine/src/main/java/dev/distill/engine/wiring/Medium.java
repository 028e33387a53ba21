package dev.distill.engine.wiring;

/** What backs a volume. */
public enum Medium {
    /** The node's disk: logs, caches and data, which may grow beyond what memory should hold. */
    DISK,
    /** tmpfs: {@code /tmp}, {@code /run} and what lies below them, which a running system keeps in memory anyway. */
    MEMORY
}
