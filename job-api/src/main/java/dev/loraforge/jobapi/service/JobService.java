package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.EventFormatException;
import dev.loraforge.events.QuantizationRequested;
import dev.loraforge.events.Topics;
import dev.loraforge.events.Hyperparameters;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.Family;
import dev.loraforge.events.MethodSpec;
import dev.loraforge.jobapi.client.ArtifactStoreClient;
import dev.loraforge.jobapi.repository.FileEntity;
import dev.loraforge.jobapi.repository.FileRepository;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.repository.TenantEntity;
import dev.loraforge.jobapi.repository.TenantRepository;
import dev.loraforge.jobapi.rest.ApiException;
import dev.loraforge.jobapi.rest.CreateJobRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Creates jobs: checks the tenant's limits and the request, resolves {@code "auto"}, and records
 * the job as {@code queued}; the {@link Dispatcher} hands it to the trainers through the outbox
 * when the tenant has a free slot, so a job accepted while Kafka is down is dispatched once it is
 * back. An {@code Idempotency-Key} makes a retried create answer the job it created first.
 *
 * <p>"auto" rules: {@code n_epochs} 3, {@code batch_size} 4, {@code learning_rate_multiplier} 1
 * (times the base learning rate {@value #BASE_LEARNING_RATE}); extension {@code checkpoint_every}:
 * a quarter of the training steps (examples / batch size x epochs); adapter LoRA r 8, alpha 16,
 * dropout 0.05 on PEFT's default modules for the base's family ({@code q_proj,v_proj}; phi3 {@code qkv_proj});
 * named target_modules must exist in that family.
 */
@ApplicationScoped
public class JobService {

    static final double BASE_LEARNING_RATE = 2e-4;
    static final List<String> DEFAULT_TARGETS = List.of("q_proj", "v_proj");
    static final List<String> QUANT_SCHEMES = List.of("nf4", "nf4-dq", "int8");

    private final JobRepository jobs;
    private final TenantRepository tenants;
    private final FileRepository files;
    private final IdempotencyKeys idempotency;
    private final JobEventService events;
    private final OutboxWriter outbox;
    private final ArtifactStoreClient store;
    private final ObjectMapper json;

    public JobService(JobRepository jobs, TenantRepository tenants, FileRepository files, IdempotencyKeys idempotency, JobEventService events, OutboxWriter outbox,
                      ArtifactStoreClient store, ObjectMapper json) {
        this.jobs = jobs;
        this.tenants = tenants;
        this.files = files;
        this.idempotency = idempotency;
        this.events = events;
        this.outbox = outbox;
        this.store = store;
        this.json = json;
    }

    /**
     * @param idempotencyKey the {@code Idempotency-Key} header, or null
     */
    @Transactional
    public JobEntity create(String tenantId, CreateJobRequest request, String idempotencyKey) {
        if (request == null) {
            throw ApiException.invalid("The request body must be a JSON object.", null);
        }
        // before anything is stored or looked up (the idempotency record keeps the request as jsonb)
        plainText(request.model(), "model", "model names look like 'llama-3.1-8b' or 'ft:...'");
        plainText(request.trainingFile(), "training_file", "file ids look like 'file-...'");
        plainText(request.validationFile(), "validation_file", "file ids look like 'file-...'");
        plainText(idempotencyKey, "Idempotency-Key", "a client-chosen key of printable characters");
        if (request.seed() != null && (request.seed() < 0 || request.seed() > Integer.MAX_VALUE)) {
            throw ApiException.invalid("seed must be between 0 and " + Integer.MAX_VALUE + ", got " + request.seed(), "seed");
        }
        String jobId = Ids.next("ftjob");
        if (idempotencyKey != null) {
            var earlier = idempotency.claim(tenantId, idempotencyKey, write(request), jobId);
            if (earlier.isPresent()) {
                return jobs.findById(earlier.get());
            }
        }
        TenantEntity tenant = tenants.findById(tenantId);
        long open = jobs.count("tenantId = ?1 and status in ('validating_files', 'queued', 'running', 'paused')", tenantId);
        if (open >= tenant.maxQueuedJobs) {
            throw new ApiException(429, "rate_limit_error", "This tenant has " + open + " unfinished jobs, the limit is "
                    + tenant.maxQueuedJobs + ". Wait for jobs to finish or cancel some.", null, "too_many_jobs");
        }
        ArtifactStoreClient.BaseModel base = resolveModel(request.model());
        FileEntity training = resolveFile(tenantId, request.trainingFile(), "training_file");
        FileEntity validation = request.validationFile() == null ? null
                : resolveFile(tenantId, request.validationFile(), "validation_file");
        Hyperparameters hyper = resolveHyperparameters(request, training.examples == null ? 0 : training.examples);
        MethodSpec method = resolveAdapter(request.adapter(), base.modelType());
        JsonNode templateKwargs = ChatTemplateKwargs.check(request.chatTemplateKwargs(), "chat_template_kwargs");
        if (request.suffix() != null && (request.suffix().length() > 64 || !request.suffix().matches("[A-Za-z0-9_.-]*"))) {
            throw ApiException.invalid("suffix may have up to 64 letters, digits, '-', '_' or '.'", "suffix");
        }

        JobEntity job = new JobEntity();
        job.id = jobId;
        job.tenantId = tenantId;
        job.model = request.model();
        JobLifecycle.start(job);
        job.statusDetail = "waiting_for_dispatch";
        job.baseModelId = base.id();
        job.baseModelDigest = base.digest();
        if ("qlora".equals(method.type())) {
            job.quantizationScheme = method.quantization();
            var variant = store.quantizedVariant(base.id(), method.quantization());
            if (variant.isPresent()) {
                job.quantizedModelId = variant.get().id();
                job.quantizedModelDigest = variant.get().digest();
            } else {
                job.statusDetail = "waiting_for_quantization";
            }
        }
        job.trainingFile = training.id;
        job.validationFile = validation == null ? null : validation.id;
        job.method = write(method);
        job.chatTemplateKwargs = templateKwargs == null ? null : templateKwargs.toString();
        job.hyperparameters = write(hyper);
        job.seed = request.seed() != null ? request.seed() : ThreadLocalRandom.current().nextLong(0, 1L << 31);
        job.suffix = request.suffix();
        job.attempt = 1;
        job.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        jobs.persist(job);
        events.add(job.id, "info", "message", "Created fine-tuning job: " + job.id, null);
        if (job.waitsForQuantization()) {
            outbox.add(Topics.QUANT_REQUEST, base.digest() + "/" + job.quantizationScheme,
                    new QuantizationRequested("qreq-" + job.id, new ArtifactRef(base.id(), base.digest()), base.name(),
                            job.quantizationScheme, "job:" + job.id));
            events.add(job.id, "info", "message", "Waiting for the " + job.quantizationScheme
                    + " quantization of " + job.model + " (done once per base model and scheme)", null);
        }

        return job;
    }

    private ArtifactStoreClient.BaseModel resolveModel(String model) {
        if (model == null || model.isBlank()) {
            throw ApiException.invalid("model is required: the name of a base model (GET /v1/models)", "model");
        }
        return store.baseModel(model).orElseThrow(() -> new ApiException(404, "invalid_request_error",
                "The model '" + model + "' does not exist or cannot be fine-tuned; available: "
                        + store.baseModels().stream().map(ArtifactStoreClient.BaseModel::name).toList(),
                "model", "model_not_found"));
    }

    private FileEntity resolveFile(String tenantId, String id, String param) {
        if (id == null || id.isBlank()) {
            throw ApiException.invalid(param + " is required: the id of a file uploaded with purpose 'fine-tune'", param);
        }
        plainText(id, param, "file ids look like 'file-...'");
        return files.findForTenant(tenantId, id).orElseThrow(() -> ApiException.notFound("file", id, param));
    }

    /** Names and ids are at most 256 characters without control characters (PostgreSQL cannot hold a NUL). */
    private static void plainText(String value, String param, String hint) {
        if (value == null) {
            return;
        }
        if (value.length() > 256) {
            throw ApiException.invalid(param + " is " + value.length() + " characters long; at most 256 (" + hint + ")", param);
        }
        int at = dev.loraforge.jobapi.rest.ControlCharacterFilter.firstControl(value);
        if (at >= 0) {
            throw ApiException.invalid(param + " contains the control character "
                    + String.format("U+%04X", (int) value.charAt(at)) + " at character " + at + " (" + hint + ")", param);
        }
    }

    private Hyperparameters resolveHyperparameters(CreateJobRequest request, int examples) {
        JsonNode h = request.hyperparameters();
        JsonNode method = request.method();
        if (method != null && method.path("supervised").path("hyperparameters").isObject()) {
            h = method.path("supervised").path("hyperparameters");
        }
        int epochs = (int) whole(h, "n_epochs", 3, 1, 50);
        int batch = (int) whole(h, "batch_size", 4, 1, 256);
        double multiplier = number(h, "learning_rate_multiplier", 1.0, 1e-3, 100);
        long steps = (long) Math.ceil(Math.max(1, examples) / (double) batch) * epochs;
        int checkpointEvery = (int) whole(h, "checkpoint_every", Math.max(1, Math.ceil(steps / 4.0)), 1, 1_000_000);
        return new Hyperparameters(epochs, batch, BASE_LEARNING_RATE * multiplier, 256, 0.1, "cosine", 1,
                checkpointEvery);
    }

    /** As {@link #number}, for counts: 1.5 epochs is refused, not rounded down. */
    private static double whole(JsonNode h, String name, double auto, double min, double max) {
        double d = number(h, name, auto, min, max);
        if (d != Math.rint(d)) {
            throw ApiException.invalid("hyperparameters." + name + " must be a whole number or \"auto\", got " + d,
                    "hyperparameters." + name);
        }
        return d;
    }

    private static double number(JsonNode h, String name, double auto, double min, double max) {
        JsonNode v = h == null ? null : h.get(name);
        if (v == null || v.isNull() || (v.isTextual() && "auto".equals(v.asText()))) {
            return auto;
        }
        if (!v.isNumber()) {
            throw ApiException.invalid("hyperparameters." + name + " must be a number or \"auto\"", "hyperparameters." + name);
        }
        double d = v.asDouble();
        if (d < min || d > max || Double.isNaN(d)) {
            throw ApiException.invalid("hyperparameters." + name + " must be between " + min + " and " + max + ", got " + d,
                    "hyperparameters." + name);
        }
        return d;
    }

    /**
     * target_modules for a base model: as given, checked against the model's family (phi3's fused modules, say),
     * or PEFT's default for the family when omitted.
     */
    static List<String> resolveTargets(List<String> requested, String modelType) {
        Family family = null;
        try {
            family = modelType == null ? null : Family.of(modelType);
        } catch (IllegalArgumentException e) {
            family = null; // an unknown family is refused where the model is loaded; nothing to check here
        }
        if (requested == null) {
            return family == null ? DEFAULT_TARGETS : LoraConfig.defaultTargets(family);
        }
        for (int i = 0; i < requested.size(); i++) {
            String t = requested.get(i);
            if (t == null || !t.matches("[A-Za-z0-9_.-]{1,64}") || t.contains("..")) {
                throw ApiException.invalid("adapter.target_modules[" + i + "] is not a module name: names are up to 64"
                        + " letters, digits, '_', '.' or '-' (q_proj, model.layers.0.mlp.up_proj, all-linear)",
                        "adapter.target_modules");
            }
        }
        if (family != null && !requested.isEmpty()) {
            try {
                LoraConfig.of(8, 16, 0, requested).resolvedTargets(family);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("adapter.target_modules: " + e.getMessage(), "adapter.target_modules");
            }
        }
        return requested;
    }

    private static MethodSpec resolveAdapter(CreateJobRequest.AdapterOptions a, String modelType) {
        if (a == null) {
            return new MethodSpec("lora", 8, 16.0, 0.05, resolveTargets(null, modelType), false, null, null);
        }
        String type = a.type() == null ? "lora" : a.type();
        if (!MethodSpec.TYPES.contains(type)) {
            throw ApiException.invalid("adapter.type must be one of " + MethodSpec.TYPES + ", got '" + type + "'", "adapter.type");
        }
        int r = a.r() == null ? 8 : a.r();
        if (r < 1 || r > 256) {
            throw ApiException.invalid("adapter.r must be between 1 and 256, got " + r, "adapter.r");
        }
        if (a.alpha() != null && !(a.alpha() > 0 && a.alpha() <= 65536)) {
            throw ApiException.invalid("adapter.alpha must be a positive number up to 65536 (PEFT's lora_alpha; default 2 r),"
                    + " got " + a.alpha(), "adapter.alpha");
        }
        double dropout = a.dropout() == null ? 0.05 : a.dropout();
        if (dropout < 0 || dropout >= 1) {
            throw ApiException.invalid("adapter.dropout must be in [0, 1), got " + dropout, "adapter.dropout");
        }
        String scheme = "qlora".equals(type) ? (a.quantization() == null ? "nf4-dq" : a.quantization()) : null;
        if (scheme != null && !QUANT_SCHEMES.contains(scheme)) {
            throw ApiException.invalid("adapter.quantization must be one of " + QUANT_SCHEMES + ", got '" + scheme + "'",
                    "adapter.quantization");
        }
        try {
            return new MethodSpec(type, r, a.alpha() == null ? 2.0 * r : a.alpha(), dropout,
                    resolveTargets(a.targetModules(), modelType),
                    Boolean.TRUE.equals(a.useRslora()), "qlora".equals(type)
                            ? (a.quantization() == null ? "nf4-dq" : a.quantization()) : null, null);
        } catch (EventFormatException e) {
            throw ApiException.invalid(e.getMessage(), "adapter");
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
