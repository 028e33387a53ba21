package dev.distill.engine.plan;

/** A user a program runs as or looks up, with the ids the source image gives it, to merge into the base. */
public record Account(String user, int uid, String group, int gid, String home) {
}
