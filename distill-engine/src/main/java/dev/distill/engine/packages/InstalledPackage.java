package dev.distill.engine.packages;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * One installed package of the source image, as its package database records it.
 *
 * @param source the source package (dpkg {@code Source:} without its version, apk {@code o:}); the name itself
 *     when the database names none
 * @param sourceVersion the source package's version when it differs from {@code version}; else null
 * @param licenses the licences the package declares: dpkg's machine-readable copyright file ({@code License:}
 *     short names, in order, each once), apk's {@code L:} field split into names; empty when none is declared
 * @param record the package's record as the database writes it, without file lines: a dpkg stanza (with its
 *     {@code Status:}), or apk's field lines before the first {@code F:}
 * @param recordPath the database file the record comes from
 * @param files the files it installed that the image has, in database order
 * @param directories apk only: the directories it owns ({@code F:}, relative as apk writes them) with their
 *     {@code M:} line, or "" when they have none
 * @param copyright the package's own copyright file ({@code /usr/share/doc/<package>/copyright}, a regular file of
 *     the image), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstalledPackage(PackageManager manager, String name, String version, String architecture, String source,
        String sourceVersion, List<String> licenses, String record, String recordPath, List<PackageFile> files,
        Map<String, String> directories, String copyright) {

    public InstalledPackage {
        if (manager == null || manager == PackageManager.NONE) {
            throw new IllegalArgumentException("an installed package needs its package manager, got " + manager);
        }
        if (name == null || name.isBlank() || version == null || version.isBlank()) {
            throw new IllegalArgumentException("an installed package needs a name and a version, got '" + name + "' '"
                    + version + "'");
        }
        architecture = architecture == null ? "" : architecture;
        source = source == null || source.isBlank() ? name : source;
        licenses = licenses == null ? List.of() : List.copyOf(licenses);
        record = record == null ? "" : record;
        files = files == null ? List.of() : List.copyOf(files);
        directories = directories == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(directories));
    }

    /** {@code name=version}, or {@code name:arch=version} for a dpkg package of one architecture. */
    @Override
    public String toString() {
        return name + (architecture.isEmpty() || architecture.equals("all") || manager == PackageManager.APK ? ""
                : ":" + architecture) + "=" + version;
    }

    /** The bytes of all its files in the image. */
    public long size() {
        return files.stream().mapToLong(PackageFile::size).sum();
    }
}
