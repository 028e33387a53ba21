/**
 * Stage steps and the runner that makes each stage idempotent under redelivery and turns every error into
 * a failure event with a reason a person can act on.
 */
package dev.distill.pipeline.stage;
