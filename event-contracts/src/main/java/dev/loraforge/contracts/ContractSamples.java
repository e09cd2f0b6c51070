package dev.loraforge.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Golden JSON samples of the internal HTTP contracts (artifact-store's in {@code artifactstore/},
 * inference-service's in {@code inference/}), one per request and answer shape, shipped beside the
 * records. Each provider's test checks that its real answers have the samples' shape
 * ({@link #shapeDifferences}); the callers' stand-ins check what they receive and answer against the
 * same samples, so a change on either side breaks a build instead of production.
 */
public final class ContractSamples {

    /** {@code POST /api/v1/artifacts} body ({@link NewArtifact}). */
    public static final String NEW_ARTIFACT = "artifactstore/new-artifact.json";
    /** An artifact ({@link ArtifactView}): answer of create and of {@code GET /api/v1/artifacts/{id}}. */
    public static final String ARTIFACT = "artifactstore/artifact.json";
    /** {@code GET /api/v1/artifacts?...}: a list of {@link ArtifactView}. */
    public static final String ARTIFACTS = "artifactstore/artifacts.json";
    /** {@code POST /api/v1/base-models} body ({@link BaseModelRequest}). */
    public static final String BASE_MODEL_REQUEST = "artifactstore/base-model-request.json";
    /** A base model ({@link ArtifactView} of kind {@code base_model}). */
    public static final String BASE_MODEL = "artifactstore/base-model.json";
    /** {@code PUT /api/v1/blobs} answer ({@link BlobView}). */
    public static final String BLOB = "artifactstore/blob.json";
    /** {@code GET /api/v1/artifacts/{id}/lineage} answer ({@link Lineage}). */
    public static final String LINEAGE = "artifactstore/lineage.json";
    /** {@code POST /api/v1/model-uploads} body ({@link dev.loraforge.contracts.artifactstore.ModelUploadRequest}). */
    public static final String MODEL_UPLOAD_REQUEST = "artifactstore/model-upload-request.json";
    /** A model upload ({@link dev.loraforge.contracts.artifactstore.ModelUploadView}): every model-upload answer. */
    public static final String MODEL_UPLOAD = "artifactstore/model-upload.json";
    /** {@code POST /api/v1/model-uploads/{id}/complete} body ({@link dev.loraforge.contracts.artifactstore.CompleteModelUpload}). */
    public static final String MODEL_UPLOAD_COMPLETE = "artifactstore/model-upload-complete.json";
    /** Every refusal: RFC 9457 problem+json, {@code errors} naming the fields of an invalid request. */
    public static final String PROBLEM = "artifactstore/problem.json";

    /** {@code POST /internal/v1/generate} body (inference's {@code GenerateRequest}), a chat. */
    public static final String GENERATE_REQUEST = "inference/generate-request.json";
    /** Its answer without {@code stream} ({@code Generation}). */
    public static final String GENERATION = "inference/generation.json";
    /** With {@code stream: true}, each Server-Sent Event's data: a piece of text ... */
    public static final String EVENT_DELTA = "inference/event-delta.json";
    /** ... then the end, with the finish reason and token counts ... */
    public static final String EVENT_DONE = "inference/event-done.json";
    /** ... or a failure midway. */
    public static final String EVENT_ERROR = "inference/event-error.json";
    /** {@code POST /internal/v1/dataset-stats} body ({@code DatasetStatsRequest}). */
    public static final String DATASET_STATS_REQUEST = "inference/dataset-stats-request.json";
    /** Its answer ({@code DatasetStats}). */
    public static final String DATASET_STATS = "inference/dataset-stats.json";
    /** inference-service's refusals: problem+json with the OpenAI-style {@code code} and {@code param}. */
    public static final String INFERENCE_PROBLEM = "inference/problem.json";

    /** Every sample. */
    public static final List<String> ALL = List.of(NEW_ARTIFACT, ARTIFACT, ARTIFACTS, BASE_MODEL_REQUEST, BASE_MODEL,
            BLOB, LINEAGE, PROBLEM, GENERATE_REQUEST, GENERATION, EVENT_DELTA, EVENT_DONE, EVENT_ERROR, INFERENCE_PROBLEM,
            DATASET_STATS_REQUEST, DATASET_STATS, MODEL_UPLOAD_REQUEST, MODEL_UPLOAD, MODEL_UPLOAD_COMPLETE);

    /** Objects under these keys are free-form (their keys vary): only their type is checked. */
    private static final Set<String> FREE_FORM = Set.of("metadata", "chat_template_kwargs");
    /** Fields written only when asked for (a generation's {@code logprobs}): their absence is no difference. */
    private static final Set<String> OPTIONAL = Set.of("logprobs");

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private ContractSamples() {
    }

    /** The sample's text. */
    public static String text(String name) {
        try (InputStream in = ContractSamples.class.getResourceAsStream("/dev/loraforge/contracts/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no contract sample " + name + "; there are " + ALL);
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sample as a JSON tree. */
    public static JsonNode json(String name) {
        try {
            return JSON.readTree(text(name));
        } catch (IOException e) {
            throw new UncheckedIOException("contract sample " + name + " is not JSON", e);
        }
    }

    /** The sample read as {@code type}. */
    public static <T> T read(String name, Class<T> type) {
        try {
            return JSON.readValue(text(name), type);
        } catch (IOException e) {
            throw new UncheckedIOException("contract sample " + name + " does not read as " + type.getSimpleName(), e);
        }
    }

    /** {@code value} as JSON the way the services write it (snake_case records, ISO-8601 times). */
    public static JsonNode toJson(Object value) {
        return JSON.valueToTree(value);
    }

    /**
     * Where {@code actual} differs in shape from {@code sample}: a field missing or extra, a value of
     * another JSON type (null matches anything), array elements unlike the sample's first element. An optional field
     * ({@code logprobs}) may be absent.
     * Values are not compared. Empty when the shapes agree.
     */
    public static List<String> shapeDifferences(JsonNode sample, JsonNode actual) {
        List<String> out = new ArrayList<>();
        compare("$", sample, actual, out);
        return out;
    }

    private static void compare(String at, JsonNode sample, JsonNode actual, List<String> out) {
        if (sample.isNull() || actual.isNull()) {
            return;
        }
        if (type(sample) != type(actual)) {
            out.add(at + ": expected " + type(sample) + ", got " + type(actual) + " (" + abbreviate(actual) + ")");
            return;
        }
        if (sample.isObject()) {
            Set<String> expected = names(sample);
            Set<String> got = names(actual);
            for (String name : expected) {
                if (!got.contains(name) && !OPTIONAL.contains(name)) {
                    out.add(at + "." + name + ": missing");
                }
            }
            for (String name : got) {
                if (!expected.contains(name)) {
                    out.add(at + "." + name + ": not in the contract");
                }
            }
            for (String name : expected) {
                if (got.contains(name) && !FREE_FORM.contains(name)) {
                    compare(at + "." + name, sample.get(name), actual.get(name), out);
                }
            }
        } else if (sample.isArray() && !sample.isEmpty()) {
            for (int i = 0; i < actual.size(); i++) {
                compare(at + "[" + i + "]", sample.get(0), actual.get(i), out);
            }
        }
    }

    private enum Type { OBJECT, ARRAY, STRING, INTEGER, NUMBER, BOOLEAN, OTHER }

    private static Type type(JsonNode n) {
        if (n.isObject()) {
            return Type.OBJECT;
        } else if (n.isArray()) {
            return Type.ARRAY;
        } else if (n.isTextual()) {
            return Type.STRING;
        } else if (n.isIntegralNumber()) {
            return Type.INTEGER;
        } else if (n.isNumber()) {
            return Type.NUMBER;
        } else if (n.isBoolean()) {
            return Type.BOOLEAN;
        }
        return Type.OTHER;
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
