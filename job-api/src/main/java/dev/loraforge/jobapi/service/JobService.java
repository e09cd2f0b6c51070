package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.settings.JobSettings;
import dev.loraforge.engine.settings.SettingsException;
import dev.loraforge.engine.settings.Shown;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.EventFormatException;
import dev.loraforge.events.Hyperparameters;
import dev.loraforge.events.MethodSpec;
import dev.loraforge.events.QuantizationRequested;
import dev.loraforge.events.Topics;
import dev.loraforge.jobapi.client.ArtifactStoreClient;
import dev.loraforge.jobapi.repository.FileEntity;
import dev.loraforge.jobapi.repository.FileRepository;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
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
 * <p>Defaults ("auto") and rules of the settings are {@link JobSettings}' (tuning-config, the engine's own
 * checks): resolved here once, so the dispatched job carries every value and the trainer only translates it.
 */
@ApplicationScoped
public class JobService {

    /** A queued job's detail until the dispatcher sends it (or finds every running slot of its tenant taken). */
    public static final String WAITING_FOR_DISPATCH = "waiting_for_dispatch";

    private final JobRepository jobs;
    private final QueueLimit queue;
    private final FileRepository files;
    private final IdempotencyKeys idempotency;
    private final JobEventService events;
    private final OutboxWriter outbox;
    private final ArtifactStoreClient store;
    private final ObjectMapper json;

    public JobService(JobRepository jobs, QueueLimit queue, FileRepository files, IdempotencyKeys idempotency,
                      JobEventService events, OutboxWriter outbox, ArtifactStoreClient store, ObjectMapper json) {
        this.jobs = jobs;
        this.queue = queue;
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
        checkPlain(request, idempotencyKey);
        String jobId = Ids.next("ftjob");
        if (idempotencyKey != null) {
            var earlier = idempotency.claim(tenantId, idempotencyKey, write(request), jobId);
            if (earlier.isPresent()) {
                return jobs.findById(earlier.get());
            }
        }
        queue.claim(tenantId);
        Checked checked = check(tenantId, request);
        JobEntity parent = checked.parent();
        ArtifactStoreClient.BaseModel base = checked.base();
        FileEntity training = checked.training();
        FileEntity validation = checked.validation();
        Hyperparameters hyper = checked.hyperparameters();
        MethodSpec method = checked.method();
        JsonNode templateKwargs = checked.templateKwargs();
        JsonNode metadata = checked.metadata();

        JobEntity job = new JobEntity();
        job.id = jobId;
        job.tenantId = tenantId;
        job.model = request.model();
        if (parent != null) {
            job.baseModelName = parent.baseModelName();
            job.parentJobId = parent.id;
            job.initAdapterId = parent.adapterId;
            job.initAdapterDigest = parent.adapterDigest;
        }
        JobLifecycle.start(job);
        job.statusDetail = WAITING_FOR_DISPATCH;
        job.baseModelId = base.id();
        job.baseModelDigest = base.digest();
        if ("qlora".equals(method.type())) {
            job.quantizationScheme = method.quantization();
            var variant = store.quantizedVariant(base.id(), method.quantization(), job.tenantId);
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
        job.metadata = metadata == null ? null : metadata.toString();
        job.hyperparameters = write(hyper);
        job.seed = request.seed() != null ? request.seed() : ThreadLocalRandom.current().nextLong(0, 1L << 31);
        job.suffix = request.suffix();
        job.attempt = 1;
        job.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        job.traceparent = dev.loraforge.events.platform.TraceContext.current(); // the create request's trace
        jobs.persist(job);
        // its first event, "Created fine-tuning job", is made from the row on reading (JobEventRepository.created)
        if (parent != null) {
            events.add(job.id, "info", "message", "Continuing from " + job.model + " (job " + parent.id
                    + "): training starts from its adapter", null);
        }
        if (job.waitsForQuantization()) {
            outbox.add(Topics.QUANT_REQUEST, base.digest() + "/" + job.quantizationScheme,
                    new QuantizationRequested("qreq-" + job.id, new ArtifactRef(base.id(), base.digest()), base.name(),
                            job.quantizationScheme, "job:" + job.id, base.tenantId()));
            events.add(job.id, "info", "message", "Waiting for the " + job.quantizationScheme
                    + " quantization of " + job.baseModelName() + " (done once per base model and scheme)", null);
        }

        return job;
    }

    /** A create request that passed every check, with everything it names resolved. */
    public record Checked(JobEntity parent, ArtifactStoreClient.BaseModel base, FileEntity training, FileEntity validation,
                          Hyperparameters hyperparameters, MethodSpec method, JsonNode templateKwargs, JsonNode metadata) {
    }

    /** The checks of a create, shared by a dry run: every value resolved, nothing written. */
    Checked check(String tenantId, CreateJobRequest request) {
        JobEntity parent = continuedFrom(tenantId, request.model());
        ArtifactStoreClient.BaseModel base = resolveModel(tenantId, parent == null ? request.model() : parent.baseModelName());
        boolean dpo = checkMethodType(request.method());
        FileEntity training = resolveFile(tenantId, request.trainingFile(), "training_file", dpo);
        FileEntity validation = request.validationFile() == null ? null
                : resolveFile(tenantId, request.validationFile(), "validation_file", dpo);
        Hyperparameters hyper = resolveHyperparameters(request, training.examples == null ? 0 : training.examples, dpo);
        MethodSpec method = parent == null ? resolveAdapter(request.adapter(), base.modelType())
                : continuedAdapter(request.adapter(), read(parent.method), request.model(), base.modelType());
        if (dpo && "prefix".equals(method.type())) {
            throw ApiException.invalid("DPO trains a LoRA or QLoRA adapter; adapter.type 'prefix' (prefix tuning) cannot"
                    + " be trained with method.type 'dpo'", "adapter.type");
        }
        JsonNode templateKwargs = ChatTemplateKwargs.check(request.chatTemplateKwargs(), "chat_template_kwargs");
        JsonNode metadata = JobMetadata.check(request.metadata());
        checkIntegrations(request.integrations());
        if (request.suffix() != null && (request.suffix().length() > 64 || !request.suffix().matches("[A-Za-z0-9_.-]*"))) {
            throw ApiException.invalid("suffix may have up to 64 letters, digits, '-', '_' or '.'", "suffix");
        }
        return new Checked(parent, base, training, validation, hyper, method, templateKwargs, metadata);
    }

    /** The checks of {@link #create} that need no lookup: text fields and the seed. */
    static void checkPlain(CreateJobRequest request, String idempotencyKey) {
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
    }

    /**
     * The caller's succeeded job whose fine-tuned model {@code model} names (OpenAI: fine-tuning a fine-tuned model
     * continues from it), or null when {@code model} is not an {@code ft:} name. Another tenant's model, a deleted
     * one or an unknown one is the same 404 as an unknown base; a checkpoint model is a 400.
     */
    private JobEntity continuedFrom(String tenantId, String model) {
        if (model == null || !model.startsWith("ft:")) {
            return null;
        }
        if (FineTunedNames.parseCheckpoint(model) != null) {
            throw ApiException.invalid("model '" + model + "' is a checkpoint; a job continues from a fine-tuned model:"
                    + " use its job's fine_tuned_model", "model");
        }
        JobEntity parent = jobs.find("tenantId = ?1 and fineTunedModel = ?2 and status = 'succeeded'"
                + " and modelDeletedAt is null", tenantId, model).firstResult();
        if (parent == null || parent.adapterDigest == null) {
            throw new ApiException(404, "invalid_request_error", "The model '" + model + "' does not exist or you do"
                    + " not have access to it; fine-tune a base model (GET /v1/models) or one of your fine-tuned models",
                    "model", "model_not_found");
        }
        return parent;
    }

    /**
     * The adapter of a job that continues {@code model}: its values are the starting point, so the method's family
     * (LoRA/QLoRA, or prefix), rank, alpha, rsLoRA scaling, target modules and prefix length are those of the parent.
     * Fields left out are the parent's; dropout and (for QLoRA) the quantization may change, and a LoRA adapter may
     * go on as QLoRA and back. Anything else that differs is a 400 naming the field.
     */
    static MethodSpec continuedAdapter(CreateJobRequest.AdapterOptions a, MethodSpec parent, String model, String modelType) {
        boolean parentPrefix = "prefix".equals(parent.type());
        String type = a == null || a.type() == null ? parent.type() : a.type();
        if (parentPrefix != "prefix".equals(type)) {
            throw ApiException.invalid("adapter.type is '" + type + "' but " + model + " was trained with a "
                    + parent.type() + " adapter; a job that continues it trains the same kind: leave adapter.type out",
                    "adapter.type");
        }
        CreateJobRequest.AdapterOptions filled = a == null
                ? new CreateJobRequest.AdapterOptions(type, parent.r(), parent.alpha(), parent.dropout(),
                        parent.targetModules(), parent.useRslora(), parent.quantization(), parent.numVirtualTokens())
                : new CreateJobRequest.AdapterOptions(type, or(a.r(), parent.r()), or(a.alpha(), parent.alpha()),
                        or(a.dropout(), parent.dropout()), or(a.targetModules(), parent.targetModules()),
                        or(a.useRslora(), parent.useRslora()),
                        a.quantization() != null || !"qlora".equals(type) ? a.quantization() : parent.quantization(),
                        or(a.numVirtualTokens(), parent.numVirtualTokens()));
        MethodSpec method = resolveAdapter(filled, modelType);
        same("adapter.r", method.r(), parent.r(), model);
        same("adapter.alpha", method.alpha(), parent.alpha(), model);
        same("adapter.use_rslora", method.useRslora(), parent.useRslora(), model);
        same("adapter.target_modules", method.targetModules() == null ? null : new java.util.TreeSet<>(method.targetModules()),
                parent.targetModules() == null ? null : new java.util.TreeSet<>(parent.targetModules()), model);
        same("adapter.num_virtual_tokens", method.numVirtualTokens(), parent.numVirtualTokens(), model);
        return method;
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    private static void same(String field, Object value, Object parentValue, String model) {
        if (!java.util.Objects.equals(value, parentValue)) {
            throw ApiException.invalid(field + " is " + value + " but " + model + " was trained with " + parentValue
                    + "; a job that continues a fine-tuned model keeps its adapter's shape: leave " + field + " out", field);
        }
    }

    private MethodSpec read(String method) {
        try {
            return json.readValue(method, MethodSpec.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored method is unreadable: " + e.getMessage(), e);
        }
    }

    /** A base model the tenant may tune: a public one, or one private to it. */
    private ArtifactStoreClient.BaseModel resolveModel(String tenantId, String model) {
        if (model == null || model.isBlank()) {
            throw ApiException.invalid("model is required: the name of a base model (GET /v1/models)", "model");
        }
        return store.baseModel(model, tenantId).orElseThrow(() -> new ApiException(404, "invalid_request_error",
                "The model '" + model + "' does not exist or cannot be fine-tuned; available: "
                        + store.baseModels(tenantId).stream().map(ArtifactStoreClient.BaseModel::name).toList(),
                "model", "model_not_found"));
    }

    /** A fine-tune file of the tenant's, in a format the job's training method reads (DPO: preference pairs). */
    private FileEntity resolveFile(String tenantId, String id, String param, boolean dpo) {
        if (id == null || id.isBlank()) {
            throw ApiException.invalid(param + " is required: the id of a file uploaded with purpose 'fine-tune'", param);
        }
        plainText(id, param, "file ids look like 'file-...'");
        FileEntity file = files.findForTenant(tenantId, id).orElseThrow(() -> ApiException.notFound("file", id, param));
        if (!FileService.FINE_TUNE.equals(file.purpose)) {
            throw ApiException.invalid(param + " '" + id + "' is a file with purpose '" + file.purpose + "'; a job trains on"
                    + " files uploaded with purpose 'fine-tune'", param);
        }
        boolean preference = file.format != null && file.format.startsWith("preference");
        if (preference && !dpo) {
            throw ApiException.invalid(param + " '" + id + "' is a preference (DPO) dataset (" + file.format + "): a"
                    + " supervised job trains on chat, prompt/completion or text lines; train on it with"
                    + " method {\"type\": \"dpo\"}", param);
        }
        if (!preference && dpo) {
            throw ApiException.invalid(param + " '" + id + "' is a " + (file.format == null ? "supervised" : file.format)
                    + " dataset: a DPO job trains on preference pairs, lines of {\"input\": {\"messages\": [...]},"
                    + " \"preferred_output\": [...], \"non_preferred_output\": [...]} (or {\"prompt\", \"chosen\","
                    + " \"rejected\"}); for this file use method {\"type\": \"supervised\"}", param);
        }
        return file;
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

    /** The fine-tuning methods of OpenAI's API; {@code supervised} and {@code dpo} train here. */
    static final List<String> METHOD_TYPES = List.of("supervised", "dpo", "reinforcement");

    /**
     * OpenAI's {@code method}: absent (supervised), or an object whose {@code type} is {@code supervised} or
     * {@code dpo}, with only its own settings object. {@code reinforcement} is refused with a 400 saying so.
     *
     * @return whether the job trains with DPO
     */
    private static boolean checkMethodType(JsonNode method) {
        if (method == null || method.isNull()) {
            return false;
        }
        if (!method.isObject()) {
            throw ApiException.invalid("method must be an object such as {\"type\": \"supervised\"}", "method");
        }
        JsonNode type = method.get("type");
        if (type == null || type.isNull()) {
            throw ApiException.invalid("method.type is required: \"supervised\"", "method.type");
        }
        if (!type.isTextual() || !METHOD_TYPES.contains(type.asText())) {
            throw ApiException.invalid("method.type must be one of " + METHOD_TYPES + ", got " + Shown.json(type),
                    "method.type");
        }
        String chosen = type.asText();
        if (chosen.equals("reinforcement")) {
            throw new ApiException(400, "invalid_request_error", "method.type 'reinforcement' is not supported by"
                    + " this platform yet; 'supervised' and 'dpo' fine-tuning are available", "method.type",
                    "unsupported_method");
        }
        for (String other : METHOD_TYPES) {
            if (!other.equals(chosen) && method.has(other)) {
                throw ApiException.invalid("method." + other + " goes with method.type '" + other + "'; a " + chosen
                        + " job takes method." + chosen, "method." + other);
            }
        }
        JsonNode settings = method.get(chosen);
        if (settings != null && !settings.isNull() && !settings.isObject()) {
            throw ApiException.invalid("method." + chosen + " must be an object such as {\"hyperparameters\": {...}}",
                    "method." + chosen);
        }
        return chosen.equals("dpo");
    }

    /** OpenAI's default DPO beta, and its accepted range (0, 2]. */
    static final double DEFAULT_BETA = 0.1;
    static final double MAX_BETA = 2.0;

    /** OpenAI's {@code integrations} (Weights and Biases): none are offered, so any given is refused, not dropped. */
    private static void checkIntegrations(JsonNode integrations) {
        if (integrations == null || integrations.isNull() || (integrations.isArray() && integrations.isEmpty())) {
            return;
        }
        if (!integrations.isArray()) {
            throw ApiException.invalid("integrations must be an array", "integrations");
        }
        JsonNode type = integrations.get(0).path("type");
        throw new ApiException(400, "invalid_request_error", "integrations[0]"
                + (type.isTextual() ? " of type " + Shown.json(type) : "") + " is not supported: this platform has no"
                + " integrations; leave integrations out (follow a job with its events or a webhook)", "integrations",
                "unsupported_integration");
    }

    /**
     * The training settings: OpenAI's {@code hyperparameters} (or {@code method.supervised.hyperparameters}), each a
     * number or {@code "auto"}, resolved by {@link JobSettings#training}.
     */
    private Hyperparameters resolveHyperparameters(CreateJobRequest request, int examples, boolean dpo) {
        JsonNode h = request.hyperparameters();
        JsonNode method = request.method();
        String kind = dpo ? "dpo" : "supervised";
        if (method != null && method.path(kind).path("hyperparameters").isObject()) {
            h = method.path(kind).path("hyperparameters");
        }
        Double beta = null;
        if (dpo) {
            Double given = number(h, "beta");
            beta = given == null ? DEFAULT_BETA : given;
            if (!(beta > 0 && beta <= MAX_BETA)) {
                throw ApiException.invalid("method.dpo.hyperparameters.beta must be above 0 and at most " + MAX_BETA
                        + " (or \"auto\": " + DEFAULT_BETA + "), got " + given, "method.dpo.hyperparameters.beta");
            }
        } else if (h != null && h.has("beta")) {
            throw ApiException.invalid("hyperparameters.beta is DPO's; a supervised job has no beta (use method"
                    + " {\"type\": \"dpo\", \"dpo\": {\"hyperparameters\": {\"beta\": ...}}})", "hyperparameters.beta");
        }
        JobSettings.Training t;
        try {
            t = JobSettings.training(new JobSettings.TrainingRequest(number(h, "n_epochs"), number(h, "batch_size"),
                    number(h, "learning_rate_multiplier"), number(h, "checkpoint_every")), examples);
        } catch (SettingsException e) {
            throw ApiException.invalid(e.getMessage(), e.field());
        }
        return new Hyperparameters(t.nEpochs(), t.batchSize(), t.learningRate(), t.seqLen(), t.warmupRatio(),
                t.schedule().name().toLowerCase(java.util.Locale.ROOT), t.gradientAccumulation(), t.checkpointEvery(), beta);
    }

    /** A hyperparameter's value: null for absent, JSON null or {@code "auto"}; anything but a number is a 400. */
    private static Double number(JsonNode h, String name) {
        JsonNode v = h == null ? null : h.get(name);
        if (v == null || v.isNull() || (v.isTextual() && "auto".equals(v.asText()))) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiException.invalid("hyperparameters." + name + " must be a number or \"auto\"", "hyperparameters." + name);
        }
        return v.asDouble();
    }

    /** The adapter extension, resolved by {@link JobSettings#adapter} for the base model's family. */
    static MethodSpec resolveAdapter(CreateJobRequest.AdapterOptions a, String modelType) {
        JobSettings.Adapter adapter;
        try {
            adapter = JobSettings.adapter(a == null ? null : new JobSettings.AdapterRequest(a.type(), a.r(), a.alpha(),
                    a.dropout(), a.targetModules(), a.useRslora(), a.quantization(), a.numVirtualTokens()), modelType);
        } catch (SettingsException e) {
            throw ApiException.invalid(e.getMessage(), e.field());
        }
        try {
            if (adapter.lora() == null) {
                return new MethodSpec(adapter.method(), null, null, null, null, null, null, adapter.numVirtualTokens());
            }
            var lora = adapter.lora();
            return new MethodSpec(adapter.method(), lora.r(), lora.alpha(), lora.dropout(), lora.targetModules(),
                    lora.useRslora(), adapter.quantization() == null ? null : adapter.quantization().id(), null);
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
