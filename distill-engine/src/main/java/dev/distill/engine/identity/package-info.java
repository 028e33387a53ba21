/**
 * Who a process runs as: the accounts of an image ({@code /etc/passwd}, {@code /etc/group}) and the one
 * resolution of an image {@code User} into a numeric {@link dev.distill.engine.identity.Identity}, with the rules
 * OCI runtimes apply. Assembly, wiring, the runtime and the static checks all use it.
 */
package dev.distill.engine.identity;
