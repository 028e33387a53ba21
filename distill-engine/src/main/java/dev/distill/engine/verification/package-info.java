/**
 * The verification of one migration: static checks and structure tests of every result image, the result run as a
 * pod and the source run alone under the same probes, their answers compared, and a verdict with its reasons.
 * Framework-free orchestration of {@code verify}, {@code structure} and {@code runtime}; the caller publishes it. What
 * needs host root runs in this process or in the {@code SandboxRunner}, a small root process asked over a Unix socket.
 */
package dev.distill.engine.verification;
