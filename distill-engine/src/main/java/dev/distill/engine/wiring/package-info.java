/**
 * How the images of one migrated image run together: a machine-readable pod model ({@link
 * dev.distill.engine.wiring.PodWiring}) derived from the migration plan, and its renderings as a Kubernetes
 * Deployment and a compose file. The verifier runs the programs as this model says, so the YAML is only a view.
 */
package dev.distill.engine.wiring;
