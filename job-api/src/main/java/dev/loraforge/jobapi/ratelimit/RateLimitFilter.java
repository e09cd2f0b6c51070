package dev.loraforge.jobapi.ratelimit;

import dev.loraforge.jobapi.auth.CallerTenant;
import dev.loraforge.jobapi.config.JobApiConfig;
import dev.loraforge.jobapi.rest.OpenAiErrorMapper;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Per-tenant request rates ({@code jobapi.rate-limits.*}) on the requests that cost: job creates, file uploads and
 * completions. Beyond its rate a tenant gets OpenAI's 429 ({@code type} {@code requests}, {@code code}
 * {@code rate_limit_exceeded}) with {@code Retry-After} in seconds, which OpenAI's SDKs honour; every limited
 * request, allowed or not, carries {@code x-ratelimit-limit-requests} and {@code x-ratelimit-remaining-requests}.
 * Runs after authentication, so the tenant is known, and before the request is read. The rates hold for all job-api
 * replicas together ({@link SharedRateLimiter}).
 */
public class RateLimitFilter {

    private static final String DECISION = RateLimitFilter.class.getName() + ".decision";

    private final CallerTenant caller;
    private final TenantRates rates;

    public RateLimitFilter(CallerTenant caller, TenantRates rates) {
        this.caller = caller;
        this.rates = rates;
    }

    @ServerRequestFilter(priority = Priorities.USER + 200)
    public Optional<jakarta.ws.rs.core.Response> limit(ContainerRequestContext request) {
        if (!"POST".equals(request.getMethod())) {
            return Optional.empty();
        }
        String path = request.getUriInfo().getPath();
        JobApiConfig.RateLimits limits = rates.limits();
        String kind;
        int perMinute;
        if (path.equals("/v1/fine_tuning/jobs")) {
            kind = "job creates";
            perMinute = limits.createsPerMinute();
        } else if (path.equals("/v1/files")) {
            kind = "file uploads";
            perMinute = limits.uploadsPerMinute();
        } else if (path.equals("/v1/chat/completions") || path.equals("/v1/completions")) {
            kind = "completions";
            perMinute = limits.completionsPerMinute();
        } else {
            return Optional.empty();
        }
        if (perMinute <= 0 || !caller.isSet()) {
            return Optional.empty();
        }
        RateLimiter.Decision d = rates.take(caller.id(), kind, perMinute);
        request.setProperty(DECISION, d);
        if (d.allowed()) {
            return Optional.empty();
        }
        return Optional.of(jakarta.ws.rs.core.Response.fromResponse(OpenAiErrorMapper.response(429, "requests",
                        "Rate limit reached for " + kind + ": " + perMinute + " per minute for your organization."
                                + " Try again in " + d.retryAfterSeconds() + " s.", null, "rate_limit_exceeded"))
                .header("Retry-After", d.retryAfterSeconds())
                .header("x-ratelimit-limit-requests", d.limit())
                .header("x-ratelimit-remaining-requests", d.remaining())
                .build());
    }

    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(DECISION) instanceof RateLimiter.Decision d && d.allowed()) {
            response.getHeaders().putSingle("x-ratelimit-limit-requests", d.limit());
            response.getHeaders().putSingle("x-ratelimit-remaining-requests", d.remaining());
        }
    }
}
