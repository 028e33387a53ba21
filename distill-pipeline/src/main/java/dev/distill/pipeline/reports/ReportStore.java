package dev.distill.pipeline.reports;

import dev.distill.engine.image.ImageReference;
import dev.distill.engine.registry.RegistryException;
import java.io.IOException;

/** Keeps report documents and reads them back by the location a {@code ReportStored} event carries. */
public interface ReportStore {

    /**
     * @param source the image the report is about; by default reports live in its registry
     * @return where the document is
     */
    Stored put(ReportKind kind, ImageReference source, String migrationId, byte[] json) throws IOException, RegistryException;

    /** Reads a document back, checking its digest; at most {@code maxBytes}. */
    byte[] get(String location, int maxBytes) throws IOException, RegistryException;

    /** Where a stored report is: {@code registry/repository@sha256:...} and the document's digest. */
    record Stored(String location, String digest) {
    }
}
