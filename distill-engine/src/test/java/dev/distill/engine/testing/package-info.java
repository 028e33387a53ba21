/**
 * Test fixtures other modules reuse through the test-jar: {@link dev.distill.engine.testing.TinyImage} builds a
 * small valid OCI image in memory, {@link dev.distill.engine.testing.LocalRegistry} runs a real registry to push it to.
 */
package dev.distill.engine.testing;
