/** The builder's configuration ({@code distill.build.*}) and the framework-free objects built from it. */
package dev.distill.builder.config;
