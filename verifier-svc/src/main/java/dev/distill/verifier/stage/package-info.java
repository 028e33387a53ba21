/** The verification stage's Kafka consumer. */
package dev.distill.verifier.stage;
