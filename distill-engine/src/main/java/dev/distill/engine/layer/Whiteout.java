package dev.distill.engine.layer;

/**
 * A deletion a layer makes in the layers below it, as its tar wrote it: {@code .wh.<name>} deletes {@code path} and
 * everything under it, {@code .wh..wh..opq} hides every lower child of the directory {@code path}. The merged view
 * has already applied it; a runtime that stacks layers itself (an overlay mount) needs it as the layer said it.
 *
 * @param layerIndex the layer, 0 for the bottom one
 * @param path the deleted path, or the opaque directory
 * @param opaque whether this is {@code .wh..wh..opq}
 */
public record Whiteout(int layerIndex, String path, boolean opaque) {

    public Whiteout {
        if (layerIndex < 0 || path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("a whiteout needs a layer and an absolute path, got " + layerIndex + ", " + path);
        }
    }
}
