/**
 * Python: a CPython interpreter running a program (a script, {@code -m}, {@code -c}, a {@code #!} script such as a
 * console entry point), its standard library and site directories narrowed to the modules the program can import
 * (found statically by {@code PythonImports}), extension modules with their ELF closures, package metadata and the
 * application directory.
 */
package dev.distill.engine.detect.python;
