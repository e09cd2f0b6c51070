package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.contracts.inference.DatasetStats;
import dev.loraforge.contracts.inference.DatasetStatsRequest;
import dev.loraforge.engine.settings.JobSettings;
import dev.loraforge.engine.train.LrSchedule;
import dev.loraforge.engine.train.TrainConfig;
import dev.loraforge.events.Hyperparameters;
import dev.loraforge.events.MethodSpec;
import dev.loraforge.jobapi.client.InferenceClient;
import dev.loraforge.jobapi.mapping.ApiObjects.DryRunObject;
import dev.loraforge.jobapi.mapping.ApiObjects.Estimate;
import dev.loraforge.jobapi.mapping.JobMapper;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.rest.ApiException;
import dev.loraforge.jobapi.rest.CreateJobRequest;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/fine_tuning/jobs} with {@code "dry_run": true}: every check of a create (the same code), then the
 * datasets tokenized with the base model's tokenizer and chat template at the job's sequence length (inference-service,
 * which holds the base's files), the steps and tokens the job will train, and its duration estimated from the
 * throughput recent jobs on the same base measured. Nothing is created or queued; no idempotency key is claimed.
 */
@ApplicationScoped
public class DryRunService {

    /** How many recent succeeded jobs the throughput estimate looks at. */
    static final int ESTIMATE_JOBS = 20;

    private final JobService jobs;
    private final JobRepository repository;
    private final InferenceClient inference;
    private final JobMapper mapper;
    private final ObjectMapper json;

    public DryRunService(JobService jobs, JobRepository repository, InferenceClient inference, JobMapper mapper,
                         ObjectMapper json) {
        this.jobs = jobs;
        this.repository = repository;
        this.inference = inference;
        this.mapper = mapper;
        this.json = json;
    }

    public DryRunObject dryRun(String tenantId, CreateJobRequest request) {
        JobService.checkPlain(request, null);
        JobService.Checked c = QuarkusTransaction.requiringNew().call(() -> jobs.check(tenantId, request));
        Hyperparameters h = c.hyperparameters();
        String unit = h.dpo() ? "pair" : "example";
        @SuppressWarnings("unchecked")
        Map<String, Object> kwargs = c.templateKwargs() == null ? null : json.convertValue(c.templateKwargs(), Map.class);
        DatasetStats stats = inference.datasetStats(new DatasetStatsRequest(c.base().digest(), c.training().digest,
                c.validation() == null ? null : c.validation().digest, h.seqLen(), kwargs), tenantId);
        DatasetStats.Part train = stats.training();
        if (train.examples() == 0) {
            throw ApiException.invalid(h.dpo()
                    ? "No preference pair of " + c.training().id + " keeps a response token within the job's " + h.seqLen()
                            + " tokens (the prompts fill them): the job would fail. Shorten the prompts."
                    : "No example of " + c.training().id + " has a trained token (assistant turn or completion) within the"
                            + " job's " + h.seqLen() + " tokens: the job would fail. Shorten the prompts.", "training_file");
        }
        JobSettings.Training t = new JobSettings.Training(h.nEpochs(), h.batchSize(), h.learningRate(), h.seqLen(),
                h.warmupRatio(), LrSchedule.Kind.parse(h.scheduler()), h.gradientAccumulation(), h.checkpointEvery());
        long totalSteps = t.steps(train.examples());
        long perEpoch = TrainConfig.stepsForEpochs(1, train.examples(), h.batchSize(), h.gradientAccumulation());
        long trainedTokens = train.tokens() * h.nEpochs();
        Estimate estimate = estimate(c.base().digest(), c.method(), h.dpo());
        List<String> warnings = new ArrayList<>();
        warn(warnings, train, c.training().id, h.seqLen(), unit);
        if (stats.validation() != null) {
            warn(warnings, stats.validation(), c.validation().id, h.seqLen(), unit);
        }
        Map<String, Object> hyper = mapper.hyperparameters(json.valueToTree(h));
        return new DryRunObject("fine_tuning.job.dry_run", request.model(), c.training().id,
                c.validation() == null ? null : c.validation().id, hyper, JobMapper.method(hyper, h.beta()), json.valueToTree(c.method()),
                h.seqLen(), train, stats.validation(), perEpoch, totalSteps, train.tokens(), trainedTokens,
                estimate == null ? null : Math.round(trainedTokens / estimate.tokensPerSecond() * 10) / 10.0, estimate,
                warnings);
    }

    private static void warn(List<String> warnings, DatasetStats.Part part, String fileId, int seqLen, String unit) {
        if (part.truncated() > 0) {
            warnings.add(part.truncated() + " " + unit + "(s) of " + fileId + " are longer than " + seqLen
                    + " tokens and will be cut (the longest has " + part.longest() + ")");
        }
        if (part.dropped() > 0) {
            warnings.add(part.dropped() + " " + unit + "(s) of " + fileId + " have no trained token within " + seqLen
                    + " tokens and will be left out");
        }
    }

    /**
     * The median throughput of the latest {@value #ESTIMATE_JOBS} succeeded jobs on this base with the same method
     * type (LoRA, QLoRA, prefix) and training method (supervised or DPO), or of any when none is alike; null when no
     * job on the base has finished.
     */
    Estimate estimate(String baseDigest, MethodSpec method, boolean dpo) {
        List<JobEntity> recent = QuarkusTransaction.requiringNew().call(() -> repository.find(
                "baseModelDigest = ?1 and status = 'succeeded' and tokensPerSecond is not null order by finishedAt desc",
                baseDigest).page(0, ESTIMATE_JOBS * 3).list());
        List<Double> same = recent.stream().filter(j -> method.type().equals(type(j)) && JobUpdateService.isDpo(j) == dpo)
                .map(j -> j.tokensPerSecond).limit(ESTIMATE_JOBS).toList();
        List<Double> any = recent.stream().map(j -> j.tokensPerSecond).limit(ESTIMATE_JOBS).toList();
        List<Double> used = same.isEmpty() ? any : same;
        if (used.isEmpty()) {
            return null;
        }
        double[] sorted = used.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        return new Estimate(median, used.size(), "median tokens/s of the latest " + used.size() + " succeeded "
                + (same.isEmpty() ? "" : method.type() + (dpo ? " DPO " : " ")) + "job(s) on this base model; training time only"
                + " (queueing, model download, validation and checkpoints not included)");
    }

    private String type(JobEntity job) {
        try {
            return json.readTree(job.method).path("type").asText();
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
