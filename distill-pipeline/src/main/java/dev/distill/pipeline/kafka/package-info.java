/**
 * Kafka plumbing without a framework: creating the event topics with the retention the status view
 * relies on, and a plain producer for tools and tests.
 */
package dev.distill.pipeline.kafka;
