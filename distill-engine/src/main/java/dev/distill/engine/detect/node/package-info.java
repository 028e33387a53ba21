/**
 * Node.js: a Node running a script, its application without its {@code node_modules}, the packages it can load
 * (found statically by {@code NodeModules}: {@code require}, {@code import}, Node's resolution up the tree and through
 * the global folders) with their native addons, and the modules a Node build keeps outside its binary.
 */
package dev.distill.engine.detect.node;
