/**
 * The catalog: every detector in an order where dependencies come first and every program kind most specific
 * first, run over one image with a failure of one detector recorded as an error finding instead of ending the run.
 */
package dev.distill.engine.detect.catalog;
