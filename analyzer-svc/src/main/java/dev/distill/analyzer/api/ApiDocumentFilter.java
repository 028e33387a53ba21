package dev.distill.analyzer.api;

import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * What every operation shares, added once instead of on each: the user API's bearer token (with its 401 and 403,
 * which {@link ApiAccessFilter} answers before any resource runs), the webhook's own secret, and the
 * {@link ApiError} body of every error answer.
 */
public class ApiDocumentFilter implements OASFilter {

    static final String API_TOKEN = "apiToken";
    static final String WEBHOOK_SECRET = "webhookSecret";
    private static final String ERROR_SCHEMA = "ApiError";
    private static final String JSON = "application/json";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents()
                .addSecurityScheme(API_TOKEN, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                        .description("An API token (distill.api.auth.tokens): the read scope for GETs and event streams,"
                                + " the write scope to start, re-run and cancel migrations."))
                .addSecurityScheme(WEBHOOK_SECRET, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP)
                        .scheme("bearer").description("The registry's shared secret (distill.intake.webhook-secret)."))
                .addSchema(ERROR_SCHEMA, OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                        .description("Every error answer: a short code and a message that says what is wrong and what to do.")
                        .addProperty("error", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                        .addProperty("message", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING))));
        if (openAPI.getPaths() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            boolean userApi = path.getKey().startsWith("/api/migrations");
            for (Operation operation : path.getValue().getOperations().values()) {
                APIResponses responses = operation.getResponses();
                if (userApi) {
                    operation.addSecurityRequirement(OASFactory.createSecurityRequirement().addScheme(API_TOKEN));
                    addIfMissing(responses, "401", "No token, or one this service does not know");
                    addIfMissing(responses, "403", "The token lacks the scope this needs (read, or write)");
                }
                responses.getAPIResponses().forEach((code, response) -> {
                    if ((code.startsWith("4") || code.startsWith("5")) && response.getContent() == null) {
                        response.content(OASFactory.createContent().addMediaType(JSON, OASFactory.createMediaType()
                                .schema(OASFactory.createSchema().ref(ERROR_SCHEMA))));
                    }
                });
            }
        }
    }

    private static void addIfMissing(APIResponses responses, String code, String description) {
        if (responses.getAPIResponse(code) == null) {
            APIResponse response = OASFactory.createAPIResponse().description(description);
            responses.addAPIResponse(code, response);
        }
    }
}
