package dev.loraforge.jobapi.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.contracts.ByteRange;
import dev.loraforge.contracts.RangedStream;
import dev.loraforge.contracts.inference.GenerateRequest;
import dev.loraforge.contracts.inference.ModelExport;
import dev.loraforge.contracts.inference.Generation;
import dev.loraforge.contracts.inference.GenerationEvent;
import dev.loraforge.jobapi.config.JobApiConfig;
import dev.loraforge.jobapi.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * inference-service over HTTP ({@code POST /internal/v1/generate}; the contract is event-contracts'
 * {@code dev.loraforge.contracts.inference}: {@link GenerateRequest} in, {@link Generation} or a
 * stream of {@link GenerationEvent}s out, golden samples checked by inference-service's provider
 * test). Plain {@code java.net.http}, not a declarative REST client: the streamed answer is relayed
 * event by event as it is generated, and generations are never retried (they are not idempotent and
 * a tenant is waiting). Its refusals become OpenAI-shaped {@link ApiException}s: its 400s
 * name the parameter, a model whose files are gone is 404, an adapter that does not fit its base is
 * a 500 with the reason, and an unreachable or saturated service is 503.
 */
@ApplicationScoped
public class InferenceClient {

    /** inference-service's name, the audience of job-api's tokens for it. */
    static final String INFERENCE_SERVICE = "inference-service";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json;
    private final String base;
    private final Duration timeout;
    private final Duration exportTimeout;

    public InferenceClient(JobApiConfig config, ObjectMapper json) {
        this.json = json;
        this.base = config.inferenceUrl().replaceAll("/+$", "");
        this.timeout = config.inferenceTimeout();
        this.exportTimeout = config.exportTimeout();
    }

    /**
     * A fine-tuned model folded into its base ({@code GET /internal/v1/exports/{format}}: {@code merged} or
     * {@code gguf}), or the part of it {@code range} asks for, made for {@code tenantId}. A format this model cannot
     * take (a prefix adapter, a family without GGUF names) is a 400 on {@code format} saying why.
     */
    public RangedStream export(String format, String baseDigest, String baseName, String adapterDigest, String name,
                               String tenantId, String range) {
        String query = Stream.of(ModelExport.BASE_DIGEST + "=" + baseDigest, ModelExport.BASE_MODEL + "=" + baseName,
                        ModelExport.ADAPTER_DIGEST + "=" + adapterDigest, ModelExport.NAME + "=" + name)
                .map(p -> p.substring(0, p.indexOf('=') + 1)
                        + java.net.URLEncoder.encode(p.substring(p.indexOf('=') + 1), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + ModelExport.PATH + "/" + format + "?" + query))
                .timeout(exportTimeout)
                .header(dev.loraforge.contracts.artifactstore.BlobTransfer.TENANT_HEADER, tenantId)
                .header("Authorization", dev.loraforge.contracts.auth.ServiceAuth.authorizationFor(INFERENCE_SERVICE));
        if (range != null) {
            request.header(ByteRange.RANGE, range);
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unavailable(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted");
        }
        int status = response.statusCode();
        String contentRange = response.headers().firstValue(ByteRange.CONTENT_RANGE).orElse(null);
        if (status == 200 || status == 206) {
            return new RangedStream(status, response.headers().firstValueAsLong("Content-Length").orElse(-1),
                    contentRange, response.body());
        }
        String body;
        try (InputStream in = response.body()) {
            body = new String(in.readNBytes(4000), StandardCharsets.UTF_8);
        } catch (IOException e) {
            body = "";
        }
        if (status == 416) {
            return new RangedStream(416, 0, contentRange, null);
        }
        String code = problem(body).path("code").asText("");
        if (status == 422 && (code.equals("adapter_not_mergeable") || code.equals("format_unsupported"))) {
            throw new ApiException(400, "invalid_request_error", problem(body).path("detail").asText(body), "format",
                    code);
        }
        throw refusal(status, body);
    }

    /**
     * A job's datasets tokenized as training will see them ({@code POST /internal/v1/dataset-stats}). Its refusals name
     * the API's parameters ({@code training_file}, {@code validation_file}, {@code hyperparameters}). Made for
     * {@code tenantId}: inference reads the files from artifact-store as that tenant.
     */
    public dev.loraforge.contracts.inference.DatasetStats datasetStats(dev.loraforge.contracts.inference.DatasetStatsRequest request,
                                                                      String tenantId) {
        HttpResponse<String> response = send(dev.loraforge.contracts.inference.DatasetStats.PATH, request, tenantId,
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 400) {
            JsonNode problem = problem(response.body());
            String param = switch (problem.path("param").asText("")) {
                case "training_digest" -> "training_file";
                case "validation_digest" -> "validation_file";
                case "seq_len" -> "hyperparameters";
                default -> null;
            };
            throw new ApiException(400, "invalid_request_error", problem.path("detail").asText(response.body()), param, null);
        }
        if (response.statusCode() != 200) {
            throw refusal(response.statusCode(), response.body());
        }
        try {
            return json.readValue(response.body(), dev.loraforge.contracts.inference.DatasetStats.class);
        } catch (IOException e) {
            throw unavailable("unreadable answer: " + e.getMessage());
        }
    }

    private JsonNode problem(String body) {
        try {
            return json.readTree(body == null || body.isBlank() ? "{}" : body);
        } catch (IOException e) {
            return json.createObjectNode();
        }
    }

    /** A whole generation, for {@code tenantId} (inference reads the models from artifact-store as that tenant). */
    public Generation generate(GenerateRequest request, String tenantId) {
        HttpResponse<String> response = send(streaming(request, false), tenantId, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw refusal(response.statusCode(), response.body());
        }
        try {
            return json.readValue(response.body(), Generation.class);
        } catch (IOException e) {
            throw unavailable("unreadable answer: " + e.getMessage());
        }
    }

    /**
     * A streamed generation: the data of its Server-Sent Events, once inference-service has accepted
     * the request (every refusal comes before the first event). The caller closes the stream, which
     * ends the generation when it is closed early. For {@code tenantId}, as {@link #generate}.
     */
    public Stream<GenerationEvent> stream(GenerateRequest request, String tenantId) {
        HttpResponse<Stream<String>> response = send(streaming(request, true), tenantId, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            String body;
            try (Stream<String> lines = response.body()) {
                body = lines.collect(Collectors.joining("\n"));
            }
            throw refusal(response.statusCode(), body);
        }
        return response.body().filter(line -> line.startsWith("data:")).map(this::event)
                .filter(e -> e.type() != null);
    }

    private GenerationEvent event(String line) {
        try {
            return json.readValue(line.substring(5).trim(), GenerationEvent.class);
        } catch (IOException e) {
            throw new UncheckedIOException("inference-service sent an unreadable event: " + line, e);
        }
    }

    private static GenerateRequest streaming(GenerateRequest r, boolean stream) {
        return new GenerateRequest(r.baseDigest(), r.baseModel(), r.adapterDigest(), r.messages(), r.prompt(),
                r.maxTokens(), r.temperature(), r.topP(), r.seed(), r.stop(), stream, r.chatTemplateKwargs(), r.n(),
                r.logprobs(), r.presencePenalty(), r.frequencyPenalty());
    }

    private <T> HttpResponse<T> send(GenerateRequest request, String tenantId, HttpResponse.BodyHandler<T> handler) {
        return send(Generation.PATH, request, tenantId, handler);
    }

    /** POSTs {@code body} as JSON to inference-service's {@code path} with job-api's service token, for {@code tenantId}. */
    private <T> HttpResponse<T> send(String path, Object body, String tenantId, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header(dev.loraforge.contracts.artifactstore.BlobTransfer.TENANT_HEADER, tenantId)
                    .header("Authorization", dev.loraforge.contracts.auth.ServiceAuth.authorizationFor(INFERENCE_SERVICE))
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body), StandardCharsets.UTF_8))
                    .build(), handler);
        } catch (IOException e) {
            throw unavailable(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted");
        }
    }

    private ApiException refusal(int status, String body) {
        JsonNode problem = problem(body);
        String detail = problem.path("detail").asText(body);
        String code = problem.path("code").asText(null);
        String param = problem.path("param").asText(null);
        return switch (status) {
            case 400 -> new ApiException(400, "invalid_request_error", detail, param,
                    "context_length_exceeded".equals(code) ? code : null);
            case 404 -> new ApiException(404, "invalid_request_error", "The model's files are not in the artifact store: "
                    + detail, "model", "model_not_found");
            case 422 -> new ApiException(500, "server_error", "The model cannot be served: " + detail, "model", code);
            case 429 -> "kv_budget_exceeded".equals(code)
                    ? new ApiException(400, "invalid_request_error", detail, "max_tokens", "context_length_exceeded")
                    : new ApiException(429, "requests", "The model's serving batch is full (" + detail + "). Retry shortly.",
                            null, "rate_limit_exceeded").retryAfter(1);
            case 503 -> new ApiException(503, "server_error", "The inference service cannot serve this now (" + detail
                    + "). Retry shortly.", null, "busy".equals(code) ? "engine_overloaded" : code);
            default -> unavailable("HTTP " + status + ": " + (detail.length() > 300 ? detail.substring(0, 300) + "..." : detail));
        };
    }

    private ApiException unavailable(String detail) {
        return new ApiException(503, "server_error", "The inference service is unavailable (" + detail + "). Retry shortly.",
                null, "inference_unavailable");
    }
}
