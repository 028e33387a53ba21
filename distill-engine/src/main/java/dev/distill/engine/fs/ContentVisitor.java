package dev.distill.engine.fs;

import java.io.IOException;
import java.io.InputStream;

/** Receives file contents from {@link ImageFileSystem#readAll}, one file at a time. */
@FunctionalInterface
public interface ContentVisitor {

    /**
     * @param file the entry as it was requested
     * @param content its bytes; valid only during this call, need not be read to the end, and need not be closed
     */
    void visit(FileEntry file, InputStream content) throws IOException;
}
