package dev.loraforge.jobapi.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.jobapi.config.JobApiConfig;
import dev.loraforge.jobapi.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * artifact-store over HTTP (its contract: artifact-store/README.md). Blobs stream from and to files
 * and streams, never whole into the heap. When the store cannot be reached the caller gets a 503
 * in OpenAI's shape and nothing is recorded.
 */
@ApplicationScoped
public class ArtifactStoreClient {

    /** A base model of the registry; {@code modelType} is its config.json model_type (null if unrecorded). */
    public record BaseModel(String id, String name, String digest, long createdAt, String modelType) {
    }

    /** A stored blob. */
    public record Blob(String digest, long size) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json;
    private final String base;

    public ArtifactStoreClient(JobApiConfig config, ObjectMapper json) {
        this.json = json;
        this.base = config.artifactStoreUrl().replaceAll("/+$", "");
    }

    public Blob putBlob(Path file) {
        JsonNode body = call(HttpRequest.newBuilder(uri("/api/v1/blobs")).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/octet-stream")
                .PUT(publisher(file)).build(), 200, 201);
        return new Blob(body.path("digest").asText(), body.path("size").asLong());
    }

    /** Registers an artifact; returns its id. */
    public String registerArtifact(String kind, String name, String digest, String tenantId, String jobId,
                                   Map<String, Object> metadata, List<Map<String, String>> parents) {
        ObjectNode request = json.createObjectNode();
        request.put("kind", kind).put("name", name).put("digest", digest);
        request.put("tenant_id", tenantId);
        request.put("job_id", jobId);
        request.set("metadata", json.valueToTree(metadata == null ? Map.of() : metadata));
        request.set("parents", json.valueToTree(parents == null ? List.of() : parents));
        JsonNode body = call(HttpRequest.newBuilder(uri("/api/v1/artifacts")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())).build(), 200, 201);
        return body.path("id").asText();
    }

    public Optional<BaseModel> baseModel(String name) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                uri("/api/v1/base-models/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20")))
                .timeout(Duration.ofSeconds(10)).GET().build());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        return Optional.of(baseModel(check(response, 200)));
    }

    public List<BaseModel> baseModels() {
        JsonNode body = call(HttpRequest.newBuilder(uri("/api/v1/base-models")).timeout(Duration.ofSeconds(10))
                .GET().build(), 200);
        List<BaseModel> models = new ArrayList<>();
        (body.isArray() ? body : body.path("data")).forEach(n -> models.add(baseModel(n)));
        return models;
    }

    /** An artifact of the registry, as far as job-api needs it. */
    public record Artifact(String id, String digest) {
    }

    /** The quantized variant of a base model with a scheme, if artifact-store has it. */
    public Optional<Artifact> quantizedVariant(String baseId, String scheme) {
        JsonNode body = call(HttpRequest.newBuilder(uri("/api/v1/artifacts?kind=quantized_model&parent="
                        + URLEncoder.encode(baseId, StandardCharsets.UTF_8) + "&scheme="
                        + URLEncoder.encode(scheme, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).GET().build(), 200);
        JsonNode list = body.isArray() ? body : body.path("data");
        if (list.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Artifact(list.get(0).path("id").asText(), list.get(0).path("digest").asText()));
    }

    /**
     * The lineage of an artifact as artifact-store answers it ({@code root}, {@code nodes},
     * {@code edges}; ancestors), read as {@code tenantId} (another tenant's artifact is empty).
     */
    public Optional<JsonNode> lineage(String artifactId, String tenantId) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/artifacts/"
                        + URLEncoder.encode(artifactId, StandardCharsets.UTF_8) + "/lineage?direction=ancestors"))
                .header("X-Tenant-Id", tenantId).timeout(Duration.ofSeconds(10)).GET().build());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        return Optional.of(check(response, 200));
    }

    /** The blob's bytes as a stream; the caller closes it. */
    public InputStream openBlob(String digest) {
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri("/api/v1/blobs/" + digest))
                    .timeout(Duration.ofMinutes(10)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                response.body().close();
                throw unavailable("blob " + digest + " answered HTTP " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw unavailable(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted");
        }
    }

    private static BaseModel baseModel(JsonNode n) {
        JsonNode type = n.path("metadata").path("model_type");
        return new BaseModel(n.path("id").asText(), n.path("name").asText(), n.path("digest").asText(),
                parseTime(n.path("created_at")), type.isTextual() ? type.asText() : null);
    }

    private static long parseTime(JsonNode t) {
        if (t.isNumber()) {
            return t.asLong();
        }
        try {
            return java.time.OffsetDateTime.parse(t.asText()).toEpochSecond();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private JsonNode call(HttpRequest request, int... ok) {
        return check(send(request), ok);
    }

    private JsonNode check(HttpResponse<String> response, int... ok) {
        for (int code : ok) {
            if (response.statusCode() == code) {
                try {
                    return json.readTree(response.body());
                } catch (IOException e) {
                    throw unavailable("unreadable answer: " + e.getMessage());
                }
            }
        }
        throw unavailable(response.request().method() + " " + response.request().uri().getPath() + " answered HTTP "
                + response.statusCode() + ": " + abbreviate(response.body()));
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw unavailable(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted");
        }
    }

    private static HttpRequest.BodyPublisher publisher(Path file) {
        try {
            return HttpRequest.BodyPublishers.ofFile(file);
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private ApiException unavailable(String detail) {
        return new ApiException(503, "server_error", "The artifact store is unavailable (" + detail
                + "); nothing was stored. Retry shortly.", null, "artifact_store_unavailable");
    }
}
