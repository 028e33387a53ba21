/**
 * The Quarkus wiring the three services share: publishing events over the SmallRye channel, creating the
 * topics, the status view bean, stage runners and readiness. Logic lives in the framework-free modules.
 */
package dev.distill.service;
