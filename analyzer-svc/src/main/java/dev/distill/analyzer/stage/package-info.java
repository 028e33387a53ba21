/** The analysis stage's Kafka consumer; the work itself is in {@code dev.distill.pipeline.stage}. */
package dev.distill.analyzer.stage;
