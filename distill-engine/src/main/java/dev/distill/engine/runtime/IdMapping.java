package dev.distill.engine.runtime;

/**
 * How a container's user and group ids map to the host's: container ids {@code 0..size-1} are host ids
 * {@code hostUid..hostUid+size-1} (groups likewise from {@code hostGid}), as a user namespace's {@code uid_map} and
 * {@code gid_map} say. {@link #IDENTITY} is the host's own view (no user namespace).
 *
 * @param hostUid the host uid that container uid 0 is
 * @param hostGid the host gid that container gid 0 is
 * @param size how many ids are mapped, from 0
 */
public record IdMapping(long hostUid, long hostGid, long size) {

    /** The most ids a mapping can hold: ids are 32 bits and {@code (uid_t) -1} is not an id. */
    public static final long MAX_IDS = 0xFFFFFFFFL;

    /** No user namespace: every id is itself. */
    public static final IdMapping IDENTITY = new IdMapping(0, 0, MAX_IDS);

    /** The container's nobody, where an image's id that cannot be mapped ends up. */
    public static final int NOBODY = 65534;

    public IdMapping {
        if (hostUid < 0 || hostGid < 0 || size < 1 || hostUid + size > MAX_IDS || hostGid + size > MAX_IDS) {
            throw new IllegalArgumentException("an id mapping needs host ids and a size within 32 bits, got uid " + hostUid
                    + ", gid " + hostGid + ", size " + size);
        }
    }

    public boolean isIdentity() {
        return equals(IDENTITY);
    }

    /** Whether the container id is mapped at all (an unmapped one shows as nobody inside, owned by no one). */
    public boolean maps(long containerId) {
        return containerId >= 0 && containerId < size;
    }

    /** The host uid of a container uid. */
    public long hostUid(long containerUid) {
        return host(hostUid, containerUid, "uid");
    }

    /** The host gid of a container gid. */
    public long hostGid(long containerGid) {
        return host(hostGid, containerGid, "gid");
    }

    /** The container uid of a host uid, or -1 when the host uid is not in this mapping. */
    public long containerUid(long hostId) {
        return hostId >= hostUid && hostId < hostUid + size ? hostId - hostUid : -1;
    }

    /** The container gid of a host gid, or -1 when the host gid is not in this mapping. */
    public long containerGid(long hostId) {
        return hostId >= hostGid && hostId < hostGid + size ? hostId - hostGid : -1;
    }

    private long host(long first, long id, String kind) {
        if (!maps(id)) {
            throw new IllegalArgumentException("container " + kind + " " + id + " is outside the mapped ids 0-" + (size - 1));
        }
        return first + id;
    }

    @Override
    public String toString() {
        return isIdentity() ? "host ids" : "container ids 0-" + (size - 1) + " as host uids " + hostUid + "-" + (hostUid + size - 1)
                + ", gids " + hostGid + "-" + (hostGid + size - 1);
    }
}
