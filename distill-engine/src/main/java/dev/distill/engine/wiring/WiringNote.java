package dev.distill.engine.wiring;

/**
 * Something the wiring decided that a person should know, because the plan allowed more than one reading:
 * what it is about (a container, a port, a path) and the reason.
 */
public record WiringNote(String subject, String reason) {

    public WiringNote {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a wiring note needs a reason (subject " + subject + ")");
        }
    }
}
