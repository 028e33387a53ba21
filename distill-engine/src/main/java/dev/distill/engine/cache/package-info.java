/**
 * A bounded cache of immutable entries in a directory on disk, keyed by what they were derived from (a layer
 * digest, a hash of a layer's inputs) so that an entry never needs invalidating. Entries are published by atomic
 * rename, checked on every read, evicted least recently used first, and the directory may be shared by several
 * processes at once.
 */
package dev.distill.engine.cache;
