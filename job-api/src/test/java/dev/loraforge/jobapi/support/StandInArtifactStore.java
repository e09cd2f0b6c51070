package dev.loraforge.jobapi.support;

import static dev.loraforge.contracts.standin.ArtifactStoreStandIn.checked;
import static dev.loraforge.contracts.standin.ArtifactStoreStandIn.problem;
import static dev.loraforge.contracts.standin.ArtifactStoreStandIn.reply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.loraforge.contracts.ContractSamples;
import dev.loraforge.contracts.standin.ArtifactStoreStandIn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * artifact-store in job-api's service tests: event-contracts' one stand-in ({@link ArtifactStoreStandIn})
 * knowing one public base model, {@value #BASE_MODEL}, plus what only job-api calls: a base model's import
 * from a path on artifact-store's machine (a path holding {@code refused} is refused as a model whose
 * weights do not match) and the multipart model uploads, kept in memory.
 */
public class StandInArtifactStore extends ArtifactStoreStandIn.Resource {

    public static final String BASE_MODEL = "tiny-llama";
    public static final String BASE_ID = "model-test-tiny";
    public static final String BASE_DIGEST = "sha256:" + "1".repeat(64);

    /** The stand-in of this JVM's tests. */
    public static final ArtifactStoreStandIn STORE = ArtifactStoreStandIn.shared();

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Model uploads: id to the upload's JSON (its parts included). */
    private static final Map<String, ObjectNode> UPLOADS = new ConcurrentHashMap<>();

    static {
        STORE.putArtifact(baseModel(BASE_MODEL, BASE_ID, BASE_DIGEST));
        STORE.route("POST", "/api/v1/base-models", StandInArtifactStore::importBaseModel);
        for (String method : new String[] {"GET", "POST"}) {
            STORE.route(method, "/api/v1/model-uploads", StandInArtifactStore::modelUpload);
        }
    }

    @Override
    protected Map<String, String> settings(String url) {
        return Map.of("jobapi.artifact-store-url", url);
    }

    /** The contract's base-model sample as a registered model. */
    private static ObjectNode baseModel(String name, String id, String digest) {
        ObjectNode model = (ObjectNode) ContractSamples.json(ContractSamples.BASE_MODEL);
        return model.put("id", id).put("name", name).put("digest", digest).put("created_at", "2026-11-24T10:00:00Z");
    }

    private static void importBaseModel(HttpExchange ex, String path) throws IOException {
        JsonNode request = checked(ContractSamples.BASE_MODEL_REQUEST, JSON.readTree(ex.getRequestBody()));
        if (request.path("path").asText().contains("refused")) {
            problem(ex, 400, "invalid-request", "the weights do not match config.json: tensor 'lm_head.weight' is missing");
            return;
        }
        String name = request.path("name").asText("imported/model");
        ObjectNode model = baseModel(name, "model-" + UUID.randomUUID().toString().replace("-", ""), "sha256:"
                + HexFormat.of().formatHex(ArtifactStoreStandIn.sha256(request.path("path").asText()
                .getBytes(StandardCharsets.UTF_8))));
        model.set("tenant_id", request.get("tenant_id"));
        STORE.putArtifact(model);
        reply(ex, 201, checked(ContractSamples.BASE_MODEL, model));
    }

    /** artifact-store's model uploads: create, parts, get, complete (the parts must add up), cancel. */
    private static void modelUpload(HttpExchange ex, String path) throws IOException {
        String rest = path.substring("/api/v1/model-uploads".length());
        // the body is read before any answer: a server that answers and closes with a request body unread makes the
        // client's socket reset, which can drop the answer (the JDK HttpServer does; the fuzzer caught it)
        byte[] bytes = ex.getRequestBody().readAllBytes();
        if (rest.isEmpty() && ex.getRequestMethod().equals("POST")) {
            JsonNode request = checked(ContractSamples.MODEL_UPLOAD_REQUEST, JSON.readTree(bytes));
            ObjectNode upload = ((ObjectNode) ContractSamples.json(ContractSamples.MODEL_UPLOAD))
                    .put("id", "mupload-" + UUID.randomUUID().toString().replace("-", ""))
                    .put("name", request.path("name").asText()).put("bytes", request.path("bytes").asLong())
                    .put("received_bytes", 0);
            upload.set("revision", request.get("revision"));
            upload.set("tenant_id", request.get("tenant_id"));
            upload.set("filename", request.get("filename"));
            upload.putArray("parts");
            UPLOADS.put(upload.path("id").asText(), upload);
            reply(ex, 201, checked(ContractSamples.MODEL_UPLOAD, upload));
            return;
        }
        String[] segments = rest.substring(Math.min(1, rest.length())).split("/");
        ObjectNode upload = UPLOADS.get(segments[0]);
        if (upload == null) {
            problem(ex, 404, "not-found", "no model upload '" + segments[0] + "'");
            return;
        }
        String action = segments.length > 1 ? segments[1] : "";
        if (!action.isEmpty() && !upload.path("status").asText().equals("pending")) {
            problem(ex, 409, "conflict", "upload " + segments[0] + " is " + upload.path("status").asText());
            return;
        }
        switch (action) {
            case "parts" -> {
                ObjectNode part = JSON.createObjectNode().put("id", "part-" + UUID.randomUUID().toString().replace("-", ""))
                        .put("size", bytes.length).put("sha256", HexFormat.of().formatHex(ArtifactStoreStandIn.sha256(bytes)))
                        .put("created_at", "2026-12-07T07:00:05.000Z");
                ((ArrayNode) upload.get("parts")).add(part);
                upload.put("received_bytes", upload.path("received_bytes").asLong() + bytes.length);
                reply(ex, 201, part);
            }
            case "complete" -> {
                JsonNode request = checked(ContractSamples.MODEL_UPLOAD_COMPLETE, JSON.readTree(bytes));
                long total = 0;
                for (JsonNode id : request.path("part_ids")) {
                    for (JsonNode p : upload.path("parts")) {
                        total += p.path("id").asText().equals(id.asText()) ? p.path("size").asLong() : 0;
                    }
                }
                if (total != upload.path("bytes").asLong()) {
                    problem(ex, 400, "invalid-request", "the listed parts hold " + total + " bytes, but the upload"
                            + " declared " + upload.path("bytes").asLong());
                    return;
                }
                upload.put("status", "completed").put("artifact_id", "model-" + UUID.randomUUID().toString().replace("-", ""))
                        .put("completed_at", "2026-12-07T07:01:00.000Z");
                reply(ex, 200, checked(ContractSamples.MODEL_UPLOAD, upload));
            }
            case "cancel" -> {
                upload.put("status", "cancelled");
                reply(ex, 200, checked(ContractSamples.MODEL_UPLOAD, upload));
            }
            default -> reply(ex, 200, checked(ContractSamples.MODEL_UPLOAD, upload));
        }
    }
}
