/**
 * Static checks of a built image, read from its merged filesystem and configuration without running it: every
 * ELF file loads by its own loader's rules, no shell, package manager or setuid file is left, the user is not
 * root and the entrypoint can be executed. Each check lists its findings; a bad file is a finding, never an
 * exception.
 */
package dev.distill.engine.verify;
