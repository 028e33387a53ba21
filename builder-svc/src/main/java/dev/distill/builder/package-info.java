/** The builder service: the assembly stage of the pipeline. */
package dev.distill.builder;
