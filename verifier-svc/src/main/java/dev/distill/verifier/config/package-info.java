/** The verifier's configuration ({@code distill.verify.*}) and the framework-free objects built from it. */
package dev.distill.verifier.config;
