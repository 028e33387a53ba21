/**
 * Assembly: turns a migration plan into distroless images. Each program's carried files are streamed from the
 * source image's layers into one deterministic layer on top of its distroless base, with the accounts and
 * writable places it needs, and pushed so that a tag moves only when every image of the migration is in place.
 */
package dev.distill.engine.assembly;
