/**
 * Tests in the container-structure-test format ({@code schemaVersion: "2.0.0"}): the YAML read into records and
 * written back, file existence, file content and metadata tests run against an image's filesystem and
 * configuration without a container engine, command tests handed to a {@link
 * dev.distill.engine.structure.CommandRunner}, and a default suite derived from a migration plan.
 */
package dev.distill.engine.structure;
