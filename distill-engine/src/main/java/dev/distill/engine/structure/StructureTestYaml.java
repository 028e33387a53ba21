package dev.distill.engine.structure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads and writes the container-structure-test YAML. Reading is strict: a field this runner does not know is an
 * error naming it (a misspelt {@code shouldExsit} must not silently test nothing), and so are the sections it
 * does not run ({@code licenseTests}, {@code containerRunOptions}). Writing gives the same document back, without
 * the fields left at their defaults.
 */
public final class StructureTestYaml {

    private static final YAMLMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build()).build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Sections of the format this runner knows and does not run: refused by name rather than ignored. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "licenseTests", "license tests are not supported: Distill's result images carry no package copyright files",
            "containerRunOptions", "container run options are not supported: command tests run as the image is configured");

    private StructureTestYaml() {
    }

    /** @throws InvalidSuiteException naming the field that is wrong */
    public static StructureTestSuite parse(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new InvalidSuiteException("", "not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new InvalidSuiteException("", "the suite is empty");
        }
        Fields top = Fields.of(root, "");
        JsonNode version = top.raw("schemaVersion");
        if (version == null || !version.isTextual()) {
            throw new InvalidSuiteException("schemaVersion", "must be the string \"" + StructureTestSuite.SCHEMA_VERSION
                    + "\", got " + (version == null ? "nothing" : version.toString()));
        }
        if (!version.asText().equals(StructureTestSuite.SCHEMA_VERSION)) {
            throw new InvalidSuiteException("schemaVersion", "only \"" + StructureTestSuite.SCHEMA_VERSION
                    + "\" is supported, got \"" + version.asText() + "\"");
        }
        List<KeyValue> global = top.objects("globalEnvVars", StructureTestYaml::keyValue);
        List<CommandTest> commands = top.objects("commandTests", StructureTestYaml::commandTest);
        List<FileExistenceTest> existence = top.objects("fileExistenceTests", StructureTestYaml::fileExistenceTest);
        List<FileContentTest> content = top.objects("fileContentTests", StructureTestYaml::fileContentTest);
        JsonNode metadataNode = top.raw("metadataTest");
        MetadataTest metadata = metadataNode == null || metadataNode.isNull() ? MetadataTest.NONE
                : metadataTest(Fields.of(metadataNode, "metadataTest"));
        top.done();
        return new StructureTestSuite(StructureTestSuite.SCHEMA_VERSION, global, commands, existence, content, metadata);
    }

    public static String write(StructureTestSuite suite) {
        ObjectNode root = NODES.objectNode();
        root.put("schemaVersion", suite.schemaVersion());
        if (!suite.globalEnvVars().isEmpty()) {
            root.set("globalEnvVars", keyValues(suite.globalEnvVars()));
        }
        if (!suite.commandTests().isEmpty()) {
            ArrayNode a = root.putArray("commandTests");
            suite.commandTests().forEach(t -> a.add(commandTest(t)));
        }
        if (!suite.fileExistenceTests().isEmpty()) {
            ArrayNode a = root.putArray("fileExistenceTests");
            suite.fileExistenceTests().forEach(t -> a.add(fileExistenceTest(t)));
        }
        if (!suite.fileContentTests().isEmpty()) {
            ArrayNode a = root.putArray("fileContentTests");
            suite.fileContentTests().forEach(t -> a.add(fileContentTest(t)));
        }
        if (!suite.metadataTest().isEmpty()) {
            root.set("metadataTest", metadataTest(suite.metadataTest()));
        }
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a suite tree could not be written as YAML", e);
        }
    }

    // ---- reading

    private static KeyValue keyValue(Fields f) {
        KeyValue kv = f.build(() -> new KeyValue(f.string("key", true), f.string("value", false),
                f.bool("isRegex", false)));
        f.done();
        return kv;
    }

    private static CommandTest commandTest(Fields f) {
        CommandTest t = f.build(() -> new CommandTest(f.string("name", true), f.stringLists("setup"),
                f.stringLists("teardown"), f.objects("envVars", StructureTestYaml::keyValue), f.string("command", true),
                f.strings("args"), f.strings("expectedOutput"), f.strings("excludedOutput"), f.strings("expectedError"),
                f.strings("excludedError"), f.integer("exitCode") == null ? 0 : f.integer("exitCode")));
        f.done();
        return t;
    }

    private static FileExistenceTest fileExistenceTest(Fields f) {
        // shouldExist defaults to true, as in the reference runner.
        FileExistenceTest t = f.build(() -> new FileExistenceTest(f.string("name", true), f.string("path", true),
                f.bool("shouldExist", true), f.string("permissions", false), f.integer("uid"), f.integer("gid"),
                f.string("isExecutableBy", false)));
        f.done();
        return t;
    }

    private static FileContentTest fileContentTest(Fields f) {
        FileContentTest t = f.build(() -> new FileContentTest(f.string("name", true), f.string("path", true),
                f.strings("expectedContents"), f.strings("excludedContents")));
        f.done();
        return t;
    }

    private static MetadataTest metadataTest(Fields f) {
        MetadataTest t = f.build(() -> new MetadataTest(f.objects("envVars", StructureTestYaml::keyValue),
                f.objects("unboundEnvVars", StructureTestYaml::keyValue), f.objects("labels", StructureTestYaml::keyValue),
                f.strings("exposedPorts"), f.strings("unexposedPorts"), f.stringsOrNull("entrypoint"),
                f.stringsOrNull("cmd"), f.string("workdir", false), f.strings("volumes"), f.strings("unmountedVolumes"),
                f.string("user", false)));
        f.done();
        return t;
    }

    // ---- writing

    private static ArrayNode keyValues(List<KeyValue> values) {
        ArrayNode a = NODES.arrayNode();
        for (KeyValue kv : values) {
            ObjectNode o = a.addObject().put("key", kv.key());
            if (!kv.value().isEmpty()) {
                o.put("value", kv.value());
            }
            if (kv.isRegex()) {
                o.put("isRegex", true);
            }
        }
        return a;
    }

    private static ObjectNode commandTest(CommandTest t) {
        ObjectNode o = NODES.objectNode().put("name", t.name());
        argvs(o, "setup", t.setup());
        argvs(o, "teardown", t.teardown());
        if (!t.envVars().isEmpty()) {
            o.set("envVars", keyValues(t.envVars()));
        }
        o.put("command", t.command());
        strings(o, "args", t.args());
        strings(o, "expectedOutput", t.expectedOutput());
        strings(o, "excludedOutput", t.excludedOutput());
        strings(o, "expectedError", t.expectedError());
        strings(o, "excludedError", t.excludedError());
        if (t.exitCode() != 0) {
            o.put("exitCode", t.exitCode());
        }
        return o;
    }

    private static ObjectNode fileExistenceTest(FileExistenceTest t) {
        ObjectNode o = NODES.objectNode().put("name", t.name()).put("path", t.path()).put("shouldExist", t.shouldExist());
        if (t.permissions() != null) {
            o.put("permissions", t.permissions());
        }
        if (t.uid() != null) {
            o.put("uid", t.uid());
        }
        if (t.gid() != null) {
            o.put("gid", t.gid());
        }
        if (t.isExecutableBy() != null) {
            o.put("isExecutableBy", t.isExecutableBy());
        }
        return o;
    }

    private static ObjectNode fileContentTest(FileContentTest t) {
        ObjectNode o = NODES.objectNode().put("name", t.name()).put("path", t.path());
        strings(o, "expectedContents", t.expectedContents());
        strings(o, "excludedContents", t.excludedContents());
        return o;
    }

    private static ObjectNode metadataTest(MetadataTest m) {
        ObjectNode o = NODES.objectNode();
        if (!m.envVars().isEmpty()) {
            o.set("envVars", keyValues(m.envVars()));
        }
        if (!m.unboundEnvVars().isEmpty()) {
            o.set("unboundEnvVars", keyValues(m.unboundEnvVars()));
        }
        if (!m.labels().isEmpty()) {
            o.set("labels", keyValues(m.labels()));
        }
        strings(o, "exposedPorts", m.exposedPorts());
        strings(o, "unexposedPorts", m.unexposedPorts());
        if (m.entrypoint() != null) {
            m.entrypoint().forEach(o.putArray("entrypoint")::add);
        }
        if (m.cmd() != null) {
            m.cmd().forEach(o.putArray("cmd")::add);
        }
        if (!m.workdir().isEmpty()) {
            o.put("workdir", m.workdir());
        }
        strings(o, "volumes", m.volumes());
        strings(o, "unmountedVolumes", m.unmountedVolumes());
        if (!m.user().isEmpty()) {
            o.put("user", m.user());
        }
        return o;
    }

    private static void strings(ObjectNode o, String field, List<String> values) {
        if (!values.isEmpty()) {
            values.forEach(o.putArray(field)::add);
        }
    }

    private static void argvs(ObjectNode o, String field, List<List<String>> commands) {
        if (!commands.isEmpty()) {
            ArrayNode a = o.putArray(field);
            commands.forEach(argv -> argv.forEach(a.addArray()::add));
        }
    }

    /**
     * The fields of one mapping, read by name; {@link #done} rejects every field not read, so each reader lists
     * exactly what it understands.
     */
    private static final class Fields {
        private final JsonNode node;
        private final String at;
        private final Set<String> read = new LinkedHashSet<>();

        private Fields(JsonNode node, String at) {
            this.node = node;
            this.at = at;
        }

        static Fields of(JsonNode node, String at) {
            if (!node.isObject()) {
                throw new InvalidSuiteException(at, "must be a mapping, got " + kind(node));
            }
            return new Fields(node, at);
        }

        private String where(String field) {
            return at.isEmpty() ? field : at + "." + field;
        }

        JsonNode raw(String field) {
            read.add(field);
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? null : v;
        }

        String string(String field, boolean required) {
            JsonNode v = raw(field);
            if (v == null) {
                if (required) {
                    throw new InvalidSuiteException(where(field), "is required");
                }
                return null;
            }
            if (!v.isValueNode() || v.isBinary()) {
                throw new InvalidSuiteException(where(field), "must be a string, got " + kind(v));
            }
            return v.asText();
        }

        boolean bool(String field, boolean otherwise) {
            JsonNode v = raw(field);
            if (v == null) {
                return otherwise;
            }
            if (!v.isBoolean()) {
                throw new InvalidSuiteException(where(field), "must be true or false, got " + v);
            }
            return v.booleanValue();
        }

        Integer integer(String field) {
            JsonNode v = raw(field);
            if (v == null) {
                return null;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new InvalidSuiteException(where(field), "must be an integer, got " + v);
            }
            return v.intValue();
        }

        List<String> strings(String field) {
            List<String> out = stringsOrNull(field);
            return out == null ? List.of() : out;
        }

        List<String> stringsOrNull(String field) {
            JsonNode v = raw(field);
            if (v == null) {
                return null;
            }
            return stringList(v, where(field));
        }

        List<List<String>> stringLists(String field) {
            JsonNode v = raw(field);
            if (v == null) {
                return List.of();
            }
            if (!v.isArray()) {
                throw new InvalidSuiteException(where(field), "must be a list of commands, got " + kind(v));
            }
            List<List<String>> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                out.add(stringList(v.get(i), where(field) + "[" + i + "]"));
            }
            return out;
        }

        <T> List<T> objects(String field, Function<Fields, T> reader) {
            JsonNode v = raw(field);
            if (v == null) {
                return List.of();
            }
            if (!v.isArray()) {
                throw new InvalidSuiteException(where(field), "must be a list, got " + kind(v));
            }
            List<T> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                out.add(reader.apply(Fields.of(v.get(i), where(field) + "[" + i + "]")));
            }
            return out;
        }

        /** Builds a record, turning its validation error into one that names this place. */
        <T> T build(java.util.function.Supplier<T> constructor) {
            try {
                return constructor.get();
            } catch (InvalidSuiteException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new InvalidSuiteException(at, e.getMessage(), e);
            }
        }

        void done() {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                String name = it.next().getKey();
                if (at.isEmpty() && UNSUPPORTED.containsKey(name)) {
                    throw new InvalidSuiteException(name, UNSUPPORTED.get(name));
                }
                if (!read.contains(name)) {
                    throw new InvalidSuiteException(where(name), "unknown field" + (at.isEmpty()
                            ? " (this runner reads " + String.join(", ", read) + ")" : "; known here: "
                            + String.join(", ", read)));
                }
            }
        }

        private static List<String> stringList(JsonNode v, String where) {
            if (!v.isArray()) {
                throw new InvalidSuiteException(where, "must be a list of strings, got " + kind(v));
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                JsonNode item = v.get(i);
                if (!item.isValueNode() || item.isNull()) {
                    throw new InvalidSuiteException(where + "[" + i + "]", "must be a string, got " + kind(item));
                }
                out.add(item.asText());
            }
            return out;
        }

        private static String kind(JsonNode v) {
            return v.isObject() ? "a mapping" : v.isArray() ? "a list" : v.isNull() ? "nothing" : v.toString();
        }
    }
}
