/**
 * Image analysis: one pass over the layers, the detectors, every ELF file resolved by its loader's rules, and
 * the migration plan, gathered into one report.
 */
package dev.distill.engine.analysis;
