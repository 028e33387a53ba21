/**
 * The migration plan: per program, the exec-form command, the account and places it needs, the distroless
 * base it can ride on and the exact files to carry, with blockers and warnings a person can act on.
 */
package dev.distill.engine.plan;
