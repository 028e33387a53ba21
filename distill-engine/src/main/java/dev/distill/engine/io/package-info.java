/** The host's own disk, where the engine keeps work files (spooled layers, runtime bundles): nothing image-shaped. */
package dev.distill.engine.io;
