/**
 * The event contracts of the pipeline: small, immutable, versioned records sent as CloudEvents over Kafka,
 * keyed by migration id. Events carry references and summaries, never image data.
 */
package dev.distill.events;
