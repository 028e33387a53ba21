package dev.distill.analyzer.api;

import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.config.HeaderConfig;

/** The test profile's API tokens (their hashes are in application.properties) and a default for RestAssured. */
public final class ApiTokens {

    public static final String READER = "test-reader-token";
    public static final String OPERATOR = "test-operator-token";
    public static final String WRITER = "test-writer-token";

    private ApiTokens() {
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    /** Every request of the calling test class goes with the operator's token (read and write) unless it says otherwise. */
    public static void useOperator() {
        // A request that names its own Authorization (the webhook's secret, another token) replaces this one.
        RestAssured.config = RestAssured.config().headerConfig(HeaderConfig.headerConfig()
                .overwriteHeadersWithName("Authorization", "Content-Type", "Accept"));
        RestAssured.requestSpecification = new RequestSpecBuilder().addHeader("Authorization", bearer(OPERATOR)).build();
    }

    /** Requests go without a token unless they add one. */
    public static void useNone() {
        RestAssured.requestSpecification = null;
    }
}
