/** The assembly stage's Kafka consumer. */
package dev.distill.builder.stage;
