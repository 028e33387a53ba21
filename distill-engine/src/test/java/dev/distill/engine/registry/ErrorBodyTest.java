package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ErrorBodyTest {

    @Test
    void summarisesDistributionErrors() {
        ErrorBody body = ErrorBody.parse(("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\","
                + "\"detail\":{\"Tag\":\"x\"}},{\"code\":\"DENIED\"}]}").getBytes(StandardCharsets.UTF_8));
        assertThat(body.excerpt()).isEqualTo("MANIFEST_UNKNOWN: manifest unknown; DENIED");
        assertThat(body.has("DENIED")).isTrue();
    }

    @Test
    void shortensOtherBodies() {
        ErrorBody body = ErrorBody.parse(("<html>\n  <h1>" + "x".repeat(300) + "</h1></html>").getBytes(StandardCharsets.UTF_8));
        assertThat(body.excerpt()).startsWith("<html> <h1>xxx").endsWith("...").hasSize(203);
        assertThat(ErrorBody.parse(new byte[0]).inParentheses()).isEmpty();
    }
}
