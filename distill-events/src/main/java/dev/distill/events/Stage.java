package dev.distill.events;

/** The three stages a migration passes through, in order. */
public enum Stage {
    ANALYZE, BUILD, VERIFY;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
