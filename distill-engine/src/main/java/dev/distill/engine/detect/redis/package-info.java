/**
 * Redis: the configuration {@code redis-server} reads (its file, {@code include}s, command-line overrides), the port
 * and unix socket it listens on, and the places it writes (its data directory, pid file, log file).
 */
package dev.distill.engine.detect.redis;
