package dev.distill.engine.structure;

import java.util.List;

/**
 * A container-structure-test suite: what {@link StructureTestYaml} reads and writes.
 *
 * @param schemaVersion always {@link #SCHEMA_VERSION}
 * @param globalEnvVars added to every command test's environment, before its own
 * @param metadataTest {@link MetadataTest#NONE} when the suite has none
 */
public record StructureTestSuite(
        String schemaVersion,
        List<KeyValue> globalEnvVars,
        List<CommandTest> commandTests,
        List<FileExistenceTest> fileExistenceTests,
        List<FileContentTest> fileContentTests,
        MetadataTest metadataTest) {

    public static final String SCHEMA_VERSION = "2.0.0";

    public StructureTestSuite {
        if (!SCHEMA_VERSION.equals(schemaVersion)) {
            throw new IllegalArgumentException("schemaVersion must be \"" + SCHEMA_VERSION + "\", got "
                    + (schemaVersion == null ? "none" : "\"" + schemaVersion + "\""));
        }
        globalEnvVars = Suites.list(globalEnvVars);
        commandTests = Suites.list(commandTests);
        fileExistenceTests = Suites.list(fileExistenceTests);
        fileContentTests = Suites.list(fileContentTests);
        metadataTest = metadataTest == null ? MetadataTest.NONE : metadataTest;
    }

    /** The number of tests the suite runs (the metadata test counts once when it checks anything). */
    public int size() {
        return commandTests.size() + fileExistenceTests.size() + fileContentTests.size()
                + (metadataTest.isEmpty() ? 0 : 1);
    }
}
