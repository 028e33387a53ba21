package dev.distill.engine.structure;

/**
 * An environment variable or a label of a test: {@code {key, value, isRegex}}.
 *
 * @param value the expected value, {@code ""} when only the key matters ({@code unboundEnvVars})
 * @param isRegex the value is a regular expression searched in the actual value
 */
public record KeyValue(String key, String value, boolean isRegex) {

    public KeyValue {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("a key/value needs a key, got '" + key + "'");
        }
        value = value == null ? "" : value;
        if (isRegex) {
            Regexes.compile(value);
        }
    }

    public static KeyValue of(String key, String value) {
        return new KeyValue(key, value, false);
    }

    /** Whether an actual value satisfies this one: equal, or for a regex, containing a match. */
    boolean matches(String actual) {
        return isRegex ? Regexes.compile(value).matcher(actual).find() : value.equals(actual);
    }
}
