package dev.distill.pipeline.intake;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Sample notification bodies under {@code src/test/resources/intake/}. */
final class Samples {

    static final String V1 = RegistryNotificationParser.DISTRIBUTION_EVENTS_V1;
    static final String V2 = RegistryNotificationParser.DISTRIBUTION_EVENTS_V2;
    static final String CLOUDEVENTS = RegistryNotificationParser.CLOUDEVENTS_JSON;
    static final String JSON = RegistryNotificationParser.JSON;

    private Samples() {
    }

    static byte[] read(String name) {
        try (InputStream in = Samples.class.getResourceAsStream("/intake/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource intake/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] utf8(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
