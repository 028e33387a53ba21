/**
 * The migration plan: per program, the exec-form command, who it runs as (one resolved
 * {@link dev.distill.engine.identity.Identity}), the accounts and places it needs, the distroless base it can ride on
 * and the exact files to carry, its role (service or init) and probes; what the entrypoint does before the programs
 * (steps baked at build time, init programs, ownership fixes); blockers and warnings a person
 * can act on. The contract between the analysis and the stages after it.
 */
package dev.distill.engine.plan;
