/**
 * The catalog of detectors: every detector in an order where dependencies come first, run over one image
 * with a failure of one detector recorded as an error finding instead of ending the run.
 */
package dev.distill.engine.detect.catalog;
