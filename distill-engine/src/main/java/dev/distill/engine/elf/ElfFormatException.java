package dev.distill.engine.elf;

import java.io.IOException;

/** The bytes are not an ELF file we can read: not ELF at all, truncated, or inconsistent. */
public final class ElfFormatException extends IOException {

    public ElfFormatException(String message) {
        super(message);
    }
}
