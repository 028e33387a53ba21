/**
 * Runtime data programs need but do not link: CA certificates, time zone data, NSS configuration and
 * modules (dlopened by glibc for user, group and host lookups), and the application directories the image's
 * WORKDIR and configurations point at.
 */
package dev.distill.engine.detect.runtime;
