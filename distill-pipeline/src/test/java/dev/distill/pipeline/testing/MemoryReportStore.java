package dev.distill.pipeline.testing;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.pipeline.reports.ReportKind;
import dev.distill.pipeline.reports.ReportStore;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Reports kept in memory under the location a registry would give them, for stage tests without a registry. */
public final class MemoryReportStore implements ReportStore {

    private final Map<String, byte[]> documents = new ConcurrentHashMap<>();

    @Override
    public Stored put(ReportKind kind, ImageReference source, String migrationId, byte[] json) {
        Digest digest = Digest.sha256(json);
        String location = source.registry() + "/distill/reports@" + digest;
        documents.put(location, json.clone());
        return new Stored(location, digest.toString());
    }

    @Override
    public byte[] get(String location, int maxBytes) throws IOException {
        byte[] bytes = documents.get(location);
        if (bytes == null) {
            throw new IOException("no report at " + location);
        }
        return bytes.clone();
    }
}
