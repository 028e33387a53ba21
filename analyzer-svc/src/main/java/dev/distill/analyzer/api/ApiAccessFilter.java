package dev.distill.analyzer.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Lets a request to the user API ({@code /api/…}) through only with a token that has the scope it needs; answers
 * 401 (no or unknown token) or 403 (wrong scope) otherwise. The registry webhook checks its own secret; the web UI's
 * files, health, metrics and the OpenAPI document are not under {@code /api/} and stay open.
 */
public class ApiAccessFilter {

    private static final String WEBHOOK = "/api/registry/";

    @Inject
    ApiAccess access;

    @ServerRequestFilter
    public Response check(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api/") || path.startsWith(WEBHOOK) || "OPTIONS".equals(request.getMethod())) {
            return null;
        }
        ApiAccess.Decision decision = access.decide(request.getMethod(), path,
                request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (decision.allowed()) {
            return null;
        }
        Response refused = ApiError.response(Response.Status.fromStatusCode(decision.status()), decision.error(),
                decision.message());
        if (decision.status() == 401) {
            return Response.fromResponse(refused).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"distill\"").build();
        }
        return refused;
    }
}
