package dev.distill.engine.packages;

/** The package databases Distill reads and writes. */
public enum PackageManager {
    /** Debian's dpkg: {@code /var/lib/dpkg/status} and {@code info/}, or distroless's {@code status.d/}. */
    DPKG,
    /** Alpine's apk: {@code /lib/apk/db/installed}. */
    APK,
    /** No package database was found. */
    NONE
}
