package dev.distill.engine.structure;

import java.util.List;

/**
 * Checks a regular file's text (links followed).
 *
 * @param expectedContents regexes that must each be found in the content
 * @param excludedContents regexes none of which may be found
 */
public record FileContentTest(String name, String path, List<String> expectedContents, List<String> excludedContents) {

    public FileContentTest {
        name = Suites.name(name);
        path = Suites.path(path, name);
        expectedContents = Suites.regexes(expectedContents);
        excludedContents = Suites.regexes(excludedContents);
    }
}
