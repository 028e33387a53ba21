package dev.distill.engine.wiring;

/** Who mounts a volume: every container that shares the place, or one container alone. */
public enum VolumeScope {
    /** A place two or more programs use (a unix socket directory): one volume mounted into each of them. */
    POD,
    /** A place only one program writes: the root filesystem is read-only, so it needs a volume of its own. */
    CONTAINER
}
