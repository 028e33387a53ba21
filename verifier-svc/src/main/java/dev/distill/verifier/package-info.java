/** The verifier service: the verification stage of the pipeline. */
package dev.distill.verifier;
