package dev.distill.engine.registry;

/**
 * Told how many blob bytes a {@link RegistryClient} moved, for metrics. Pulled bytes are reported as they are read
 * (in chunks, and the rest when the stream ends or closes), pushed bytes when the registry has accepted a blob. Calls
 * come from whichever thread reads or pushes; an implementation must be thread-safe and must not throw.
 */
public interface TransferListener {

    /** Reports nothing. */
    TransferListener NONE = new TransferListener() {
        @Override
        public void pulled(long bytes) {
        }

        @Override
        public void pushed(long bytes) {
        }
    };

    /** Blob bytes read from a registry. */
    void pulled(long bytes);

    /** Blob bytes a registry accepted from us (mounted blobs move nothing and are not reported). */
    void pushed(long bytes);
}
