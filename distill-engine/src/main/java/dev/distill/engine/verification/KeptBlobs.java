package dev.distill.engine.verification;

import dev.distill.engine.image.Digest;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Layer blobs kept across verifications, by digest ({@code <directory>/<algorithm>/<hex>}), so that a verification
 * whose layers an earlier one spooled (a release's unchanged base and program layers) gets them as hard links instead
 * of a second download into its own spool. Only a blob that was stored after its whole stream verified against its
 * digest and size is ever kept here; readers verify it again as they read it.
 *
 * <p>Safe for several verifications and instances at once without locks: a blob enters under a temporary name and
 * is renamed into place; a verification's link is its own name for the inode, so evicting a kept blob (unlinking its
 * name here) never takes it from a verification that linked it, and a link that loses that race falls back to the
 * origin. Bounded by {@code maxBytes}, least recently linked first (a link touches the blob's modification time).
 */
final class KeptBlobs {

    private final Path directory;
    private final long maxBytes;

    KeptBlobs(Path directory, long maxBytes) {
        this.directory = Objects.requireNonNull(directory, "directory");
        if (maxBytes < 0) {
            throw new IllegalArgumentException("kept blobs need a size bound of 0 bytes or more, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    Path directory() {
        return directory;
    }

    /**
     * Links the kept blob to {@code target}; false when it is not kept (or was evicted just now) or cannot be linked
     * (then the caller fetches it from its origin, as without kept blobs).
     */
    boolean linkTo(Digest digest, Path target) {
        Path kept = path(digest);
        try {
            Files.createLink(target, kept);
        } catch (FileAlreadyExistsException e) {
            return true;  // the verification has it already
        } catch (IOException | RuntimeException e) {
            return false;
        }
        try {
            Files.setLastModifiedTime(kept, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // Evicted after the link: the verification keeps its own link.
        }
        return true;
    }

    /**
     * Keeps {@code stored}, a blob that verified against {@code digest} on its way in, by linking it here; then evicts
     * the least recently linked blobs beyond the bound. A failure to keep is no failure of the verification.
     */
    void keep(Digest digest, Path stored) {
        if (maxBytes == 0) {
            return;
        }
        Path kept = path(digest);
        try {
            Files.createDirectories(kept.getParent());
            if (!Files.exists(kept)) {
                Path temporary = kept.resolveSibling(digest.hex() + "." + ProcessHandle.current().pid() + "."
                        + Thread.currentThread().getId() + ".partial");
                Files.deleteIfExists(temporary);
                Files.createLink(temporary, stored);
                Files.move(temporary, kept, StandardCopyOption.ATOMIC_MOVE);
            }
            evict();
        } catch (IOException | RuntimeException e) {
            // Only a cache: the verification has its blob in its own spool either way.
        }
    }

    /** Unlinks the least recently linked blobs until the kept ones fit in the bound. */
    void evict() throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        record Entry(Path path, long size, long modified) {
        }
        List<Entry> entries = new ArrayList<>();
        long total = 0;
        try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(directory)) {
            for (Path algorithm : algorithms) {
                if (!Files.isDirectory(algorithm)) {
                    continue;
                }
                try (DirectoryStream<Path> blobs = Files.newDirectoryStream(algorithm)) {
                    for (Path blob : blobs) {
                        try {
                            BasicFileAttributes a = Files.readAttributes(blob, BasicFileAttributes.class);
                            if (a.isRegularFile()) {
                                entries.add(new Entry(blob, a.size(), a.lastModifiedTime().toMillis()));
                                total += a.size();
                            }
                        } catch (NoSuchFileException e) {
                            // Another instance evicted it meanwhile.
                        }
                    }
                }
            }
        }
        entries.sort(Comparator.comparingLong(Entry::modified));
        for (Entry e : entries) {
            if (total <= maxBytes) {
                break;
            }
            Files.deleteIfExists(e.path());
            total -= e.size();
        }
    }

    private Path path(Digest digest) {
        return directory.resolve(digest.algorithm()).resolve(digest.hex());
    }
}
