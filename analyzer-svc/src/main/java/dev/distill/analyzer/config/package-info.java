/** Configuration of intake and registry access, and the beans built from it. */
package dev.distill.analyzer.config;
