package dev.distill.engine.verification;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.identity.Passwd;
import dev.distill.engine.layer.LayeredFileSystem;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Images' accounts ({@code /etc/passwd} and {@code /etc/group}) kept by the content they were read from: the layer
 * digest and tar entry of each file ({@link LayeredFileSystem#contentId}), which name the same bytes in every image
 * with that layer. Reading them streams and verifies a whole layer (seconds for a Debian base), and a release's
 * source and its results keep the accounts of the layers below their top: the verification of a release finds them
 * here instead of reading the base again. A file in a changed layer has another content id, so it is read. Bounded,
 * least recently used first out; thread-safe.
 */
final class KnownAccounts {

    private final Map<String, Passwd> entries;

    KnownAccounts(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be 0 or more, got " + capacity);
        }
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Passwd> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The image's accounts, read only when no image with the same account files was read before. */
    Passwd of(ImageFileSystem image) throws IOException {
        String key = key(image);
        if (key == null) {
            return Identity.accounts(image);
        }
        synchronized (this) {
            Passwd known = entries.get(key);
            if (known != null) {
                return known;
            }
        }
        Passwd read = Identity.accounts(image);  // outside the lock: other verifications' lookups do not wait for it
        synchronized (this) {
            entries.put(key, read);
        }
        return read;
    }

    /** Where the image's account files' bytes are ("-" for one it lacks); null for an image not read from layers. */
    static String key(ImageFileSystem image) {
        if (!(image instanceof LayeredFileSystem layered)) {
            return null;
        }
        StringBuilder key = new StringBuilder();
        for (Optional<FileEntry> file : Identity.accountFiles(image)) {
            String content = file.map(layered::contentId).orElse(null);
            key.append(content == null ? "-" : content).append(' ');
        }
        return key.toString();
    }

    synchronized int size() {
        return entries.size();
    }
}
