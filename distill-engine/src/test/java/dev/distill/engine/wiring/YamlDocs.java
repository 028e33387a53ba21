package dev.distill.engine.wiring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.List;

/** Reads rendered YAML back (every document) for tests to check its structure. */
final class YamlDocs {

    private static final YAMLMapper MAPPER = new YAMLMapper();

    private YamlDocs() {
    }

    static List<JsonNode> read(String yaml) throws IOException {
        try (MappingIterator<JsonNode> it = MAPPER.readerFor(JsonNode.class).readValues(yaml)) {
            return it.readAll();
        }
    }

    static JsonNode byName(JsonNode array, String name) {
        for (JsonNode n : array) {
            if (name.equals(n.path("name").asText())) {
                return n;
            }
        }
        throw new AssertionError("no element named " + name + " in " + array);
    }

    static List<String> texts(JsonNode array) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
