package dev.distill.engine.wiring;

import java.util.Locale;

/** The transport of a container port; Kubernetes writes it in upper case, compose and OCI in lower case. */
public enum Protocol {
    TCP,
    UDP,
    SCTP;

    public String lowerCase() {
        return name().toLowerCase(Locale.ROOT);
    }
}
