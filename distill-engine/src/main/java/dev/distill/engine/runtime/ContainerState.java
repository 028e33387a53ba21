package dev.distill.engine.runtime;

/**
 * What {@code runc state} says about a container.
 *
 * @param status {@code creating}, {@code created}, {@code running}, {@code paused} or {@code stopped}
 * @param pid the container's init process in the host's pid namespace; 0 once it is gone
 */
public record ContainerState(String id, String status, int pid) {

    public ContainerState {
        if (id == null || status == null) {
            throw new IllegalArgumentException("a container state needs an id and a status, got " + id + ", " + status);
        }
    }

    public boolean isRunning() {
        return status.equals("running");
    }

    public boolean isStopped() {
        return status.equals("stopped");
    }
}
