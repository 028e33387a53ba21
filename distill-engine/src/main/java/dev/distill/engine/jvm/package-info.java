/**
 * What the engine knows about Java virtual machines in an image: where a JVM home is and how a JVM loads its own
 * native libraries, which no DT_NEEDED chain shows ({@link dev.distill.engine.jvm.JvmHome}).
 */
package dev.distill.engine.jvm;
