package dev.distill.engine.layer;

/**
 * A layer entry the merged view leaves out because it cannot be named: its name or link target is not UTF-8.
 * Leaving it out loses only that entry (and whatever lies under it); a program that needs it is found missing
 * by the analysis, which names it with its bytes escaped.
 *
 * @param layerIndex the layer, 0 for the bottom one
 * @param name the entry's name as written, every byte that is not printable ASCII escaped as {@code \xNN}
 * @param reason why it is left out
 */
public record UnreadableEntry(int layerIndex, String layerDigest, String name, String reason) {
}
