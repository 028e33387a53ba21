/**
 * The analyzer service: the user-facing API (migration requests, registry webhooks, status) and the
 * analysis stage, which resolves the source image in its registry.
 */
package dev.distill.analyzer;
