package dev.loraforge.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/** A client of one service, as a tenant (or the operator) would call it over HTTP. */
final class ApiClient {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String key;

    /** The Bearer key this client sends (null for none). */
    String key() {
        return key;
    }

    ApiClient(String base, String key) {
        this.base = base;
        this.key = key;
    }

    /** An answer: status and body. */
    record Answer(int status, JsonNode body) {
    }

    JsonNode get(String path) {
        return expect(200, call("GET", path, null));
    }

    /** A POST that must succeed: 200, or 201 where it created something (a base model, a tenant). */
    JsonNode post(String path, String json) {
        Answer answer = call("POST", path, json);
        assertThat(answer.status()).as("POST " + path + ": " + answer.body()).isIn(200, 201);
        return answer.body();
    }

    /** A POST that must succeed, with more request headers (e.g. a W3C {@code traceparent}). */
    JsonNode post(String path, String json, java.util.Map<String, String> headers) {
        HttpRequest.Builder request = request(path).header("Content-Type", "application/json");
        headers.forEach(request::header);
        Answer answer = send(request.POST(HttpRequest.BodyPublishers.ofString(json)).build());
        assertThat(answer.status()).as("POST " + path + ": " + answer.body()).isIn(200, 201);
        return answer.body();
    }

    Answer call(String method, String path, String json) {
        HttpRequest.Builder request = request(path).header("Content-Type", "application/json");
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        return send(request.build());
    }

    Answer upload(String filename, String content) {
        String boundary = "----loraforge" + UUID.randomUUID();
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename + "\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
        return send(request("/v1/files").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
    }

    /** A POST of raw bytes (application/octet-stream). */
    Answer postBytes(String path, byte[] bytes) {
        return send(request(path).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build());
    }

    InputStream download(String path) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = HTTP.send(request(path).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).as("GET " + path).isEqualTo(200);
        return response.body();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    static JsonNode expect(int status, Answer answer) {
        assertThat(answer.status()).as(answer.body().toString()).isEqualTo(status);
        return answer.body();
    }

    private static Answer send(HttpRequest request) {
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = r.body() == null || r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
            return new Answer(r.statusCode(), body);
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
