package dev.loraforge.trainer.mapping;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.contracts.artifactstore.NewArtifact;
import dev.loraforge.contracts.artifactstore.ParentRef;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.ResultFile;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The artifact-store registrations of an attempt's checkpoints and adapter, with their lineage:
 * {@code base_model} (the base), {@code quantized_base} (the quantized variant a QLoRA job loaded),
 * {@code trained_on} / {@code validated_on} (the datasets) and {@code resumed_from} (the checkpoint
 * the attempt continued from). Ids are chosen here from job, attempt and step, so a retried
 * registration returns the artifact already registered instead of making a second one.
 */
@ApplicationScoped
public class ArtifactMapper {

    public static final String CHECKPOINT = "checkpoint";
    public static final String ADAPTER = "adapter";

    private final ObjectMapper json;

    public ArtifactMapper(ObjectMapper json) {
        this.json = json;
    }

    /** What the engine reported besides the blob. */
    public record RunFacts(int attempt, String engineVersion, ArtifactRef resumedFrom) {
    }

    public NewArtifact checkpoint(JobDispatched job, RunFacts facts, int step, String digest, Map<String, Double> metrics) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("step", step);
        metadata.put("attempt", facts.attempt());
        metadata.put("metrics", metrics);
        metadata.put("seed", job.seed());
        metadata.put("method", job.method().type());
        metadata.put("engine_version", facts.engineVersion());
        return new NewArtifact("ckpt-" + job.jobId() + "-a" + facts.attempt() + "-s" + step, CHECKPOINT,
                job.jobId() + "-step-" + step, digest, job.tenantId(), job.jobId(), metadata, parents(job, facts));
    }

    public NewArtifact adapter(JobDispatched job, RunFacts facts, String digest, Map<String, Double> metrics,
                               long trainedTokens, long steps, ResultFile resultFile) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("method", withoutNulls(json.convertValue(job.method(), new TypeReference<Map<String, Object>>() { })));
        metadata.put("hyperparameters", withoutNulls(json.convertValue(job.hyperparameters(),
                new TypeReference<Map<String, Object>>() { })));
        metadata.put("seed", job.seed());
        metadata.put("engine_version", facts.engineVersion());
        metadata.put("metrics", metrics);
        metadata.put("trained_tokens", trainedTokens);
        metadata.put("steps", steps);
        metadata.put("attempt", facts.attempt());
        metadata.put("base_model_name", job.model());
        if (resultFile != null) {
            // the per-step metrics CSV that describes this adapter's training (job-api offers it as the result file)
            metadata.put("result_file", Map.of("digest", resultFile.digest(), "bytes", resultFile.bytes(),
                    "filename", resultFile.filename()));
        }
        return new NewArtifact("adapter-" + job.jobId() + "-a" + facts.attempt(), ADAPTER, adapterName(job), digest,
                job.tenantId(), job.jobId(), metadata, parents(job, facts));
    }

    /** The name job-api gives the fine-tuned model ({@link dev.loraforge.contracts.FineTunedNames}). */
    public static String adapterName(JobDispatched job) {
        return dev.loraforge.contracts.FineTunedNames.model(job.model(), job.tenantId(),
                job.suffix() == null || job.suffix().isBlank() ? null : job.suffix(), job.jobId());
    }

    private static List<ParentRef> parents(JobDispatched job, RunFacts facts) {
        List<ParentRef> parents = new ArrayList<>();
        parents.add(new ParentRef(job.baseModel().id(), "base_model"));
        if (job.quantizedModel() != null) {
            parents.add(new ParentRef(job.quantizedModel().id(), "quantized_base"));
        }
        parents.add(new ParentRef(job.trainingFile().id(), "trained_on"));
        if (job.validationFile() != null) {
            parents.add(new ParentRef(job.validationFile().id(), "validated_on"));
        }
        if (facts.resumedFrom() != null) {
            parents.add(new ParentRef(facts.resumedFrom().id(), "resumed_from"));
        }
        if (job.initAdapter() != null) {
            parents.add(new ParentRef(job.initAdapter().id(), "continued_from"));
        }
        return parents;
    }

    private static Map<String, Object> withoutNulls(Map<String, Object> map) {
        map.values().removeIf(java.util.Objects::isNull);
        return map;
    }
}
