package dev.distill.pipeline.intake;

import static dev.distill.pipeline.intake.Samples.CLOUDEVENTS;
import static dev.distill.pipeline.intake.Samples.JSON;
import static dev.distill.pipeline.intake.Samples.V1;
import static dev.distill.pipeline.intake.Samples.V2;
import static dev.distill.pipeline.intake.Samples.read;
import static dev.distill.pipeline.intake.Samples.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class MalformedNotificationTest {

    private static final String DIGEST = "sha256:" + "a".repeat(64);

    private final RegistryNotificationParser parser = new RegistryNotificationParser();

    private AbstractThrowableAssert<?, ? extends Throwable> rejecting(String contentType, String body) {
        return assertThatThrownBy(() -> parser.parse(contentType, utf8(body)))
                .isInstanceOf(MalformedNotificationException.class);
    }

    /** One manifest push event with the given target fields spliced in. */
    private static String pushEnvelope(String targetFields) {
        return """
                {"events":[{"id":"e0","action":"push",
                  "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json",%s},
                  "request":{"host":"127.0.0.1:5000","useragent":"skopeo"}}]}
                """.formatted(targetFields);
    }

    @Test
    void aBodyThatIsNotJsonIsNamedSo() {
        rejecting(V1, "{\"events\": [").hasMessageStartingWith("body is not JSON: ").hasMessageContaining("line 1");
        rejecting(V1, "events=push").hasMessageStartingWith("body is not JSON: ");
        rejecting(V1, "{\"events\":[]} {\"events\":[]}").hasMessageStartingWith("body is not JSON: ");
    }

    @Test
    void duplicateKeysAreRejectedBecauseReadersCouldDisagreeOnTheValue() {
        rejecting(V1, "{\"events\":[], \"events\":[{}]}")
                .hasMessageStartingWith("body is not JSON: ").hasMessageContaining("events");
    }

    @Test
    void anEmptyBodyIsNamedSo() {
        rejecting(V1, "").hasMessage("body is empty");
        rejecting(V1, "  \n").hasMessage("body is empty");
        assertThatThrownBy(() -> parser.parse(V1, null)).isInstanceOf(MalformedNotificationException.class)
                .hasMessage("body is empty");
    }

    @Test
    void aTopLevelArrayOrScalarIsNotAnEnvelope() {
        rejecting(V1, "[{\"action\":\"push\"}]").hasMessage("body must be a JSON object, got array");
        rejecting(JSON, "\"push\"").hasMessage("body must be a JSON object, got string");
        rejecting(V1, "null").hasMessage("body must be a JSON object, got null");
    }

    @Test
    void theEventsFieldMustBeAnArray() {
        rejecting(V1, "{\"events\":\"x\"}").hasMessage("envelope 'events' must be an array, got string");
        rejecting(V2, "{\"events\":{}}").hasMessage("envelope 'events' must be an array, got object");
        rejecting(V1, "{\"event\":[]}").hasMessage("envelope has no 'events' array");
        rejecting(V1, "{\"events\":null}").hasMessage("envelope has no 'events' array");
    }

    @Test
    void eachEventMustBeAnObjectWithActionAndTarget() {
        rejecting(V1, "{\"events\":[42]}").hasMessage("event 0 must be an object, got number");
        rejecting(V1, "{\"events\":[{\"action\":\"push\"}]}").hasMessage("event 0: target is missing");
        rejecting(V1, "{\"events\":[{\"action\":\"push\",\"target\":7}]}")
                .hasMessage("event 0: target must be an object, got number");
        rejecting(V1, "{\"events\":[{\"target\":{}}]}").hasMessage("event 0: action is missing");
        rejecting(V1, "{\"events\":[{\"action\":[\"push\"],\"target\":{}}]}")
                .hasMessage("event 0: action must be a string, got array");
    }

    @Test
    void aPushWithoutRepositoryOrDigestIsMalformed() {
        rejecting(V1, pushEnvelope("\"digest\":\"" + DIGEST + "\",\"tag\":\"1\""))
                .hasMessage("event 0: target.repository is missing");
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\",\"tag\":\"1\""))
                .hasMessage("event 0: target.digest is missing");
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\",\"digest\":\"" + DIGEST + "\",\"tag\":1"))
                .hasMessage("event 0: target.tag must be a string, got number");
        rejecting(V1, "{\"events\":[{\"action\":\"push\",\"target\":{\"repository\":\"demo/app\"}}]}")
                .hasMessage("event 0: target.mediaType is missing");
    }

    @Test
    void aBadDigestNamesEventFieldAndValue() {
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\",\"digest\":\"sha256:zz\",\"tag\":\"1\""))
                .hasMessageStartingWith("event 0: target.digest: not a valid digest: 'sha256:zz'");
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\",\"digest\":\"md5:abc\",\"tag\":\"1\""))
                .hasMessageStartingWith("event 0: target.digest: not a valid digest: 'md5:abc'");
    }

    @Test
    void anUppercaseRepositoryNamesEventFieldAndValue() {
        rejecting(V1, pushEnvelope("\"repository\":\"Demo/App\",\"digest\":\"" + DIGEST + "\",\"tag\":\"1\""))
                .hasMessageStartingWith("event 0: target.repository: not a valid repository name: 'Demo/App'");
        rejecting(V1, pushEnvelope("\"repository\":\"demo/../etc\",\"digest\":\"" + DIGEST + "\",\"tag\":\"1\""))
                .hasMessageStartingWith("event 0: target.repository: not a valid repository name: 'demo/../etc'");
    }

    @Test
    void aBadTagNamesEventFieldAndValue() {
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\",\"digest\":\"" + DIGEST + "\",\"tag\":\"1 0;rm\""))
                .hasMessage("event 0: target.tag: not a valid tag: '1 0;rm'");
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\",\"digest\":\"" + DIGEST + "\",\"tag\":\"-x\""))
                .hasMessage("event 0: target.tag: not a valid tag: '-x'");
    }

    @Test
    void aBadRegistryHostNamesWhereItCameFrom() {
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\",\"digest\":\"" + DIGEST + "\",\"tag\":\"1\"")
                .replace("127.0.0.1:5000", "evil host/x"))
                .hasMessage("event 0: request.host: not a valid registry host: 'evil host/x'");
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\",\"digest\":\"" + DIGEST + "\",\"tag\":\"1\"")
                .replace("\"host\":\"127.0.0.1:5000\",", ""))
                .hasMessage("event 0: neither request.host nor target.url names the registry host");
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\",\"digest\":\"" + DIGEST + "\",\"tag\":\"1\","
                + "\"url\":\"http://[bad/v2/\"").replace("\"host\":\"127.0.0.1:5000\",", ""))
                .hasMessageStartingWith("event 0: target.url 'http://[bad/v2/' is not a URL");
    }

    @Test
    void aContentTypeThatIsNotANotificationFormatIsRefused() {
        rejecting("text/plain", "{\"events\":[]}")
                .hasMessageStartingWith("Content-Type 'text/plain' is not a registry notification format; expected ")
                .hasMessageContaining(V1).hasMessageContaining(CLOUDEVENTS);
        rejecting("application/xml; charset=utf-8", "{\"events\":[]}")
                .hasMessageStartingWith("Content-Type 'application/xml; charset=utf-8' is not");
        rejecting(null, "{\"events\":[]}").hasMessageStartingWith("Content-Type is missing; expected ");
    }

    @Test
    void plainJsonOfUnknownShapeIsRefused() {
        rejecting(JSON, "{\"hello\":\"world\"}").hasMessageStartingWith("JSON object is not a registry notification");
    }

    @Test
    void oneBadEventRejectsTheWholeEnvelope() {
        // Event 0 is a good tagged manifest-list push; event 1 has a bad digest. Nothing may be started.
        assertThatThrownBy(() -> parser.parse(V2, read("malformed-one-bad-event.json")))
                .isInstanceOf(MalformedNotificationException.class)
                .hasMessageStartingWith("event 1: target.digest: not a valid digest: 'sha256:zz'");
    }

    @Test
    void harborPayloadsWithWrongShapesNameTheField() {
        rejecting(JSON, "{\"type\":\"PUSH_ARTIFACT\"}").hasMessage("event_data is missing");
        rejecting(JSON, "{\"type\":\"PUSH_ARTIFACT\",\"event_data\":{\"resources\":\"x\"}}")
                .hasMessage("event_data.resources must be an array, got string");
        rejecting(JSON, "{\"type\":\"PUSH_ARTIFACT\",\"event_data\":{\"resources\":[1]}}")
                .hasMessage("event_data.resources[0] must be an object, got number");
        rejecting(JSON, "{\"type\":\"PUSH_ARTIFACT\",\"event_data\":{\"resources\":[{\"tag\":\"1\"}]}}")
                .hasMessage("event_data.resources[0].digest is missing");
        rejecting(JSON, "{\"type\":\"PUSH_ARTIFACT\",\"event_data\":{\"resources\":[{\"digest\":\"" + DIGEST
                + "\",\"tag\":\"1\",\"resource_url\":\"harbor.example.com/Library/Nginx:1\"}]}}")
                .hasMessageStartingWith("event_data.resources[0].resource_url: not a valid repository name: 'Library/Nginx'");
        rejecting(JSON, "{\"type\":\"PUSH_ARTIFACT\",\"event_data\":{\"resources\":[{\"digest\":\"" + DIGEST
                + "\",\"tag\":\"1\",\"resource_url\":\"harbor.example.com\"}]}}")
                .hasMessage("event_data.resources[0].resource_url names no repository and"
                        + " event_data.repository.repo_full_name is missing");
        rejecting(JSON, "{\"type\":42}").hasMessage("type must be a string, got number");
    }

    @Test
    void cloudEventsMustBeVersion1WithData() {
        rejecting(CLOUDEVENTS, "{\"specversion\":\"0.3\",\"type\":\"harbor.artifact.pushed\"}")
                .hasMessage("specversion '0.3' is not supported (expected 1.0)");
        rejecting(CLOUDEVENTS, "{\"specversion\":\"1.0\",\"type\":\"harbor.artifact.pushed\"}")
                .hasMessage("data is missing");
        rejecting(CLOUDEVENTS, "{\"type\":\"harbor.artifact.pushed\",\"data\":{}}")
                .hasMessage("specversion is missing");
        rejecting(CLOUDEVENTS, "{\"specversion\":\"1.0\",\"type\":\"harbor.artifact.pushed\",\"data\":\"e30=\"}")
                .hasMessage("data must be an object, got string");
    }

    @Test
    void hugeValuesAndControlCharactersDoNotReachTheMessage() {
        String longTag = "t".repeat(5000);
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\",\"digest\":\"" + DIGEST + "\",\"tag\":\"" + longTag + "\""))
                .hasMessage("event 0: target.tag is 5000 characters long (at most 1024 accepted)");
        rejecting(V1, pushEnvelope("\"repository\":\"demo/app\\n[ERROR] forged\",\"digest\":\"" + DIGEST + "\",\"tag\":\"1\""))
                .hasMessageContaining("'demo/app?[ERROR] forged'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    /**
     * Replaces every value in every sample, one at a time, with each JSON type: the parser must either accept
     * the result or reject it with a MalformedNotificationException, never fail with another exception.
     */
    @Test
    void noWrongTypeAnywhereInTheSamplesEscapesAsAnotherException() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNodeFactory f = JsonNodeFactory.instance;
        List<JsonNode> replacements = List.of(f.numberNode(42), f.textNode("x"), f.textNode(""), f.arrayNode(),
                f.objectNode(), f.nullNode(), f.booleanNode(true));
        Map<String, String> samples = Map.of(
                "distribution-2.8-push/3-manifest.json", V1,
                "distribution-v2-mixed.json", V2,
                "harbor-push.json", JSON,
                "harbor-cloudevents-push.json", CLOUDEVENTS);
        int variants = 0;
        for (Map.Entry<String, String> sample : samples.entrySet()) {
            JsonNode original = mapper.readTree(read(sample.getKey()));
            for (List<Object> path : paths(original, new ArrayList<>())) {
                for (JsonNode replacement : replacements) {
                    JsonNode mutated = original.deepCopy();
                    replace(mutated, path, replacement.deepCopy());
                    byte[] body = mapper.writeValueAsBytes(mutated);
                    variants++;
                    try {
                        parser.parse(sample.getValue(), body);
                    } catch (MalformedNotificationException expected) {
                        assertThat(expected.getMessage()).isNotBlank();
                    } catch (RuntimeException e) {
                        fail("%s with %s at %s: %s", sample.getKey(), replacement, path, e, e);
                    }
                }
            }
        }
        assertThat(variants).isGreaterThan(500);
    }

    private static List<List<Object>> paths(JsonNode node, List<Object> prefix) {
        List<List<Object>> all = new ArrayList<>();
        if (!prefix.isEmpty()) {
            all.add(List.copyOf(prefix));
        }
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(name -> {
                prefix.add(name);
                all.addAll(paths(node.get(name), prefix));
                prefix.remove(prefix.size() - 1);
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                prefix.add(i);
                all.addAll(paths(node.get(i), prefix));
                prefix.remove(prefix.size() - 1);
            }
        }
        return all;
    }

    private static void replace(JsonNode root, List<Object> path, JsonNode value) {
        JsonNode parent = root;
        for (Object step : path.subList(0, path.size() - 1)) {
            parent = step instanceof Integer i ? parent.get(i) : parent.get((String) step);
        }
        Object last = path.get(path.size() - 1);
        if (last instanceof Integer i) {
            ((ArrayNode) parent).set(i, value);
        } else {
            ((ObjectNode) parent).set((String) last, value);
        }
    }
}
