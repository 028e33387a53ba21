/**
 * Stage steps and the runner that works on several inputs at once, each within a time budget and at most once at a
 * time across instances, keeps each stage idempotent under redelivery, and turns every error into a failure event
 * with a reason a person can act on.
 */
package dev.distill.pipeline.stage;
