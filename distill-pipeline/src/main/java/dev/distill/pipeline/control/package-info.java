/**
 * What people do to a migration once it was asked for: run it again as a new attempt, or cancel it while it runs.
 * Both are events on Kafka like everything else; the stages learn of a cancellation from their status views.
 */
package dev.distill.pipeline.control;
