/**
 * The migration status view: a projection of every migration's events, rebuilt from Kafka (the system of
 * record) on start, so it survives restarts and every instance answers the same.
 */
package dev.distill.pipeline.status;
