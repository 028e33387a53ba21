package dev.distill.engine.plan;

/** What a program of the plan is for. */
public enum ProgramRole {
    /** It runs for as long as the pod does (a server, a worker). */
    SERVICE,
    /**
     * It runs to completion before the services start, each time they start (a database migration an entrypoint ran
     * before its program): an init container of the wiring, run first by the verifier.
     */
    INIT
}
