package dev.loraforge.trainer.messaging;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.trainer.OperatorToken;
import static dev.loraforge.trainer.support.StandInArtifactStore.STORE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.lora.PeftAdapters;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.Hyperparameters;
import dev.loraforge.events.JobProgress;
import dev.loraforge.events.ResultFile;
import dev.loraforge.events.Topics;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.trainer.service.JobFailure;
import dev.loraforge.trainer.support.JobEvents;
import dev.loraforge.trainer.support.Jobs;
import dev.loraforge.trainer.support.StandInArtifactStore;
import dev.loraforge.trainer.support.TrainingFixtures;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dispatched job travels through the real broker to the trainer, which queues it in PostgreSQL,
 * downloads the tiny base model and the dataset from the artifact store, trains on the tuning
 * engine, stores checkpoints and the PEFT adapter, and reports progress and the outcome.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class JobDispatchConsumerTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void dispatchedJobTrainsOnceAndStoresAPeftAdapter(@TempDir Path tmp) throws Exception {
        String jobId = Jobs.newJobId();
        ArtifactRef training = TrainingFixtures.dataset("pirate-train.jsonl", TrainingFixtures.PIRATE_CHATS);
        ArtifactRef validation = TrainingFixtures.dataset("pirate-valid.jsonl", TrainingFixtures.PIRATE_CHATS.subList(0, 4));
        // 8 examples in batches of 2: 4 updates an epoch, 24 in all; a checkpoint every 8
        JobDispatched job = Jobs.dispatched(jobId, training, validation, Jobs.hyperparameters(6, 1e-2, 8));
        JobEvents events = new JobEvents(jobId);

        String dispatch = Jobs.json(job);
        events.publish(Topics.JOB_DISPATCH, dispatch);
        events.publish(Topics.JOB_DISPATCH, dispatch); // redelivered while queued or training

        JobOutcome outcome = events.awaitOutcome();
        assertThat(outcome.status()).as("outcome %s", outcome).isEqualTo(JobOutcome.Status.SUCCEEDED);
        // the last step is always reported
        events.awaitProgress(p -> p.kind() == JobProgress.Kind.STEP && p.step() != null && p.step() == 24);

        // progress: STARTED by the worker that also reports the outcome, then every step in order
        List<JobProgress> started = events.progress(JobProgress.Kind.STARTED);
        assertThat(started).hasSize(1);
        assertThat(started.get(0).attempt()).isEqualTo(1);
        assertThat(started.get(0).workerId()).isNotBlank().isEqualTo(outcome.workerId());
        assertThat(events.progress(JobProgress.Kind.MESSAGE)).extracting(JobProgress::message)
                .as("the training event names the device").anyMatch(m -> m.startsWith("training lora on ") && m.contains(" (cpu): "));
        List<JobProgress> steps = events.progress(JobProgress.Kind.STEP);
        assertThat(steps).extracting(JobProgress::step).containsExactlyElementsOf(IntStream.rangeClosed(1, 24).boxed().toList());
        assertThat(steps).allSatisfy(s -> {
            assertThat(s.totalSteps()).isEqualTo(24);
            assertThat(s.loss()).isNotNull().isFinite().isPositive();
            assertThat(s.learningRate()).isNotNull().isBetween(0.0, 1e-2);
            assertThat(s.trainedTokens()).isPositive();
        });
        assertThat(steps).extracting(JobProgress::trainedTokens).isSorted();
        double firstEpoch = steps.subList(0, 4).stream().mapToDouble(JobProgress::loss).average().orElseThrow();
        double lastEpoch = steps.subList(20, 24).stream().mapToDouble(JobProgress::loss).average().orElseThrow();
        assertThat(lastEpoch).as("mean loss of the last epoch vs the first").isLessThan(firstEpoch);
        List<JobProgress> validations = events.progress(JobProgress.Kind.VALIDATION);
        assertThat(validations).extracting(JobProgress::step).containsExactly(8, 16, 24);
        assertThat(validations).allSatisfy(v -> assertThat(v.validationLoss()).isNotNull().isFinite().isPositive());
        assertThat(validations).allSatisfy(v -> assertThat(v.validationMeanTokenAccuracy()).isNotNull().isBetween(0.0, 1.0));
        assertThat(steps).allSatisfy(p -> assertThat(p.meanTokenAccuracy()).isNotNull().isBetween(0.0, 1.0));

        // checkpoints every 8 steps, each stored and registered with its step and lineage
        List<CheckpointSaved> checkpoints = events.checkpoints();
        assertThat(checkpoints).extracting(CheckpointSaved::step).containsExactly(8, 16, 24);
        for (CheckpointSaved c : checkpoints) {
            JsonNode registered = STORE.artifact(c.checkpoint().id());
            assertThat(registered).as("checkpoint %s registered", c.checkpoint().id()).isNotNull();
            assertThat(registered.path("kind").asText()).isEqualTo("checkpoint");
            assertThat(registered.path("digest").asText()).isEqualTo(c.checkpoint().digest());
            assertThat(registered.path("metadata").path("step").asInt()).isEqualTo(c.step());
            assertThat(STORE.hasBlob(c.checkpoint().digest())).isTrue();
        }
        Path checkpoint = unpack(checkpoints.get(0).checkpoint().digest(), tmp.resolve("checkpoint-8"));
        assertThat(checkpoint.resolve("trainer_state.json")).isRegularFile();
        assertThat(checkpoint.resolve("adapter").resolve("adapter_model.safetensors")).isRegularFile();

        // the outcome names the adapter the store received and registered with its lineage
        assertThat(outcome.attempt()).isEqualTo(1);
        assertThat(outcome.engineVersion()).isNotBlank();
        assertThat(outcome.trainedTokens()).isEqualTo(steps.get(23).trainedTokens());
        assertThat(outcome.metrics()).containsEntry("steps", 24.0).containsKeys("train_loss", "valid_loss", "perplexity");
        assertThat(outcome.metrics().get("train_loss")).isFinite().isPositive();
        assertThat(outcome.metrics()).containsKeys("train_mean_token_accuracy", "valid_mean_token_accuracy");

        // the result file: OpenAI's per-step metrics CSV, one row per step, validation where it ran
        ResultFile resultFile = outcome.resultFile();
        assertThat(resultFile).isNotNull();
        assertThat(resultFile.filename()).isEqualTo("step_metrics.csv");
        String csv;
        try (InputStream in = STORE.openBlob(resultFile.digest())) {
            csv = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat((long) csv.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isEqualTo(resultFile.bytes());
        List<String> rows = csv.lines().toList();
        assertThat(rows.get(0)).isEqualTo("step,train_loss,train_mean_token_accuracy,valid_loss,valid_mean_token_accuracy");
        assertThat(rows).hasSize(25);
        for (int i = 1; i <= 24; i++) {
            String[] cells = rows.get(i).split(",", -1);
            assertThat(cells).hasSize(5);
            assertThat(Integer.parseInt(cells[0])).isEqualTo(i);
            assertThat(Double.parseDouble(cells[1])).isFinite().isPositive();
            assertThat(Double.parseDouble(cells[2])).isBetween(0.0, 1.0);
            assertThat(cells[3].isEmpty()).as("valid_loss at step %d", i).isEqualTo(i % 8 != 0);
        }
        for (JobProgress p : steps) { // the same numbers as the step events, read back exactly
            String[] cells = rows.get(p.step()).split(",", -1);
            assertThat(Double.parseDouble(cells[1])).isEqualTo(p.loss());
            assertThat(Double.parseDouble(cells[2])).isEqualTo(p.meanTokenAccuracy());
        }
        ArtifactRef adapterRef = outcome.adapter();
        assertThat(STORE.hasBlob(adapterRef.digest())).isTrue();
        JsonNode adapterArtifact = STORE.artifact(adapterRef.id());
        assertThat(adapterArtifact.path("kind").asText()).isEqualTo("adapter");
        assertThat(adapterArtifact.path("digest").asText()).isEqualTo(adapterRef.digest());
        assertThat(adapterArtifact.path("tenant_id").asText()).isEqualTo(TrainingFixtures.TENANT);
        assertThat(adapterArtifact.path("job_id").asText()).isEqualTo(jobId);
        assertThat(adapterArtifact.path("name").asText())
                .isEqualTo("ft:" + TrainingFixtures.MODEL_NAME + ":" + TrainingFixtures.TENANT + ":pirate:"
                        + jobId.substring("ftjob-".length()));
        assertThat(adapterArtifact.path("metadata").path("seed").asLong()).isEqualTo(job.seed());
        assertThat(adapterArtifact.path("metadata").path("result_file").path("digest").asText()).isEqualTo(resultFile.digest());
        assertThat(adapterArtifact.path("metadata").path("method").path("r").asInt()).isEqualTo(8);
        assertThat(relations(adapterArtifact)).containsExactlyInAnyOrder(
                "base_model=" + TrainingFixtures.baseModel().id(), "trained_on=" + training.id(),
                "validated_on=" + validation.id());
        assertThat(STORE.posts(adapterRef.id())).as("adapter registrations").isEqualTo(1);

        // the adapter is a PEFT LoRA directory ...
        Path adapterDir = unpack(adapterRef.digest(), tmp.resolve("adapter"));
        JsonNode config = JSON.readTree(adapterDir.resolve("adapter_config.json").toFile());
        assertThat(config.path("peft_type").asText()).isEqualTo("LORA");
        assertThat(config.path("r").asInt()).isEqualTo(8);
        assertThat(config.path("lora_alpha").asDouble()).isEqualTo(16.0);
        List<String> targets = new ArrayList<>();
        config.path("target_modules").forEach(t -> targets.add(t.asText()));
        assertThat(targets).containsExactlyInAnyOrder("q_proj", "v_proj");
        assertThat(config.path("base_model_name_or_path").asText()).isEqualTo(TrainingFixtures.MODEL_NAME);
        List<String> keys = new ArrayList<>();
        for (int layer = 0; layer < TrainingFixtures.LAYERS; layer++) {
            for (String proj : List.of("q_proj", "v_proj")) {
                for (String ab : List.of("lora_A", "lora_B")) {
                    keys.add("base_model.model.model.layers." + layer + ".self_attn." + proj + "." + ab + ".weight");
                }
            }
        }
        try (SafeTensorsReader weights = SafeTensorsReader.open(adapterDir.resolve("adapter_model.safetensors"))) {
            assertThat(weights.names()).containsExactlyInAnyOrderElementsOf(keys);
            assertThat(weights.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape())
                    .containsExactly(8, TrainingFixtures.HIDDEN);
            assertThat(weights.info("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight").shape())
                    .containsExactly(TrainingFixtures.KV_WIDTH, 8);
            float[] b = weights.readFloats("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
            assertThat(maxAbs(b)).as("B moved away from its zero init").isGreaterThan(0f);
        }

        // ... that the engine loads onto the base and that changes its logits
        try (LlamaModel base = LlamaModel.load(TrainingFixtures.baseModelDir());
             NDManager manager = NDManager.newBaseManager();
             Adapter adapter = PeftAdapters.load(base, adapterDir)) {
            NDArray ids = manager.create(new long[][] {{1, 3, 17, 42, 99, 250}});
            float[] plain = base.forward(ids, null, null, null).toFloatArray();
            float[] adapted = base.forward(ids, null, null, adapter).toFloatArray();
            float diff = 0;
            for (int i = 0; i < plain.length; i++) {
                assertThat(adapted[i]).isFinite();
                diff = Math.max(diff, Math.abs(plain[i] - adapted[i]));
            }
            assertThat(diff).as("max |logits(base + adapter) - logits(base)|").isGreaterThan(1e-3f);
        }

        // the operators' view
        given().get("/api/v1/attempts/{id}", jobId).then().statusCode(200)
                .body("$", hasSize(1))
                .body("[0].attempt", equalTo(1))
                .body("[0].state", equalTo("succeeded"))
                .body("[0].worker_id", equalTo(outcome.workerId()))
                .body("[0].step", equalTo(24))
                .body("[0].total_steps", equalTo(24))
                .body("[0].checkpoint_step", equalTo(24))
                .body("[0].finished_at", notNullValue())
                .body("[0].error_code", nullValue());

        // a redelivery after the end changes nothing either: one STARTED, one outcome, one adapter
        events.publish(Topics.JOB_DISPATCH, dispatch);
        assertThat(events.awaitProgress(JobProgress.Kind.STARTED, 2, Duration.ofSeconds(3))).hasSize(1);
        assertThat(events.outcomes()).hasSize(1);
        assertThat(STORE.artifacts(jobId, "adapter")).hasSize(1);
        given().get("/api/v1/attempts/{id}", jobId).then().statusCode(200).body("$", hasSize(1));
    }

    @Test
    void aJobThatContinuesAFineTunedModelStartsFromItsAdapter(@TempDir Path tmp) throws Exception {
        ArtifactRef training = TrainingFixtures.dataset("pirate-train.jsonl", TrainingFixtures.PIRATE_CHATS);
        String parentId = Jobs.newJobId();
        JobEvents parentEvents = new JobEvents(parentId);
        parentEvents.publish(Topics.JOB_DISPATCH, Jobs.json(Jobs.dispatched(parentId, training, null,
                Jobs.hyperparameters(1, 1e-2, 0))));
        JobOutcome parent = parentEvents.awaitOutcome();
        assertThat(parent.status()).as("outcome %s", parent).isEqualTo(JobOutcome.Status.SUCCEEDED);
        String lora = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
        float[] parentB;
        try (SafeTensorsReader w = SafeTensorsReader.open(unpack(parent.adapter().digest(), tmp.resolve("parent"))
                .resolve("adapter_model.safetensors"))) {
            parentB = w.readFloats(lora);
        }
        assertThat(maxAbs(parentB)).as("the parent's B moved from zero").isGreaterThan(1e-4f);

        // the child trains with a learning rate too small to move anything: its adapter is the parent's, not a fresh one
        String childId = Jobs.newJobId();
        JobEvents childEvents = new JobEvents(childId);
        JobDispatched child = Jobs.continuing(Jobs.dispatched(childId, training, null, Jobs.hyperparameters(1, 1e-12, 0)),
                parent.adapter(), Jobs.sampleMethod());
        childEvents.publish(Topics.JOB_DISPATCH, Jobs.json(child));
        JobOutcome continued = childEvents.awaitOutcome();
        assertThat(continued.status()).as("outcome %s", continued).isEqualTo(JobOutcome.Status.SUCCEEDED);
        try (SafeTensorsReader w = SafeTensorsReader.open(unpack(continued.adapter().digest(), tmp.resolve("child"))
                .resolve("adapter_model.safetensors"))) {
            float[] childB = w.readFloats(lora);
            for (int i = 0; i < parentB.length; i++) {
                assertThat(childB[i]).as("B[%d]", i).isCloseTo(parentB[i], org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
        assertThat(childEvents.progress(JobProgress.Kind.MESSAGE)).extracting(JobProgress::message)
                .anyMatch(m -> m.contains("starting from adapter " + parent.adapter().id()));
        assertThat(relations(STORE.artifact(continued.adapter().id())))
                .contains("continued_from=" + parent.adapter().id());

        // an adapter of another shape cannot be the starting point: the job fails saying so, nothing is stored
        String misfitId = Jobs.newJobId();
        JobEvents misfitEvents = new JobEvents(misfitId);
        misfitEvents.publish(Topics.JOB_DISPATCH, Jobs.json(Jobs.continuing(Jobs.dispatched(misfitId, training, null,
                Jobs.hyperparameters(1, 1e-3, 0)), parent.adapter(), new dev.loraforge.events.MethodSpec("lora", 4, 8.0,
                0.0, List.of("q_proj", "v_proj"), false, null, null))));
        JobOutcome misfit = misfitEvents.awaitOutcome();
        assertThat(misfit.status()).isEqualTo(JobOutcome.Status.FAILED);
        assertThat(misfit.error().code()).isEqualTo(JobFailure.INIT_ADAPTER_UNAVAILABLE);
        assertThat(misfit.error().message()).contains("shape");
        assertThat(STORE.artifacts(misfitId, "adapter")).isEmpty();
    }

    @Test
    void aDpoJobTrainsOnPreferencePairsAndReportsTheRewards(@TempDir Path tmp) throws Exception {
        List<String> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pairs.add("{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"Greet me " + i + "\"}]},"
                    + "\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"Ahoy, matey " + i + "!\"}],"
                    + "\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\"Good day to you.\"}]}");
        }
        ArtifactRef prefs = TrainingFixtures.dataset("prefs.jsonl", pairs);
        Hyperparameters h = Jobs.hyperparameters(4, 5e-2, 0);
        Hyperparameters dpo = new Hyperparameters(h.nEpochs(), h.batchSize(), h.learningRate(), h.seqLen(), h.warmupRatio(),
                h.scheduler(), h.gradientAccumulation(), 4, 0.1);
        String jobId = Jobs.newJobId();
        JobEvents events = new JobEvents(jobId);
        events.publish(Topics.JOB_DISPATCH, Jobs.json(Jobs.dispatched(jobId, prefs, null, dpo)));
        JobOutcome outcome = events.awaitOutcome();
        assertThat(outcome.status()).as("outcome %s", outcome).isEqualTo(JobOutcome.Status.SUCCEEDED);
        // 6 pairs, batch 2, 4 epochs: 12 updates, each reporting the DPO loss (ln 2 before the first update moves B)
        List<JobProgress> steps = events.progress(JobProgress.Kind.STEP);
        assertThat(steps).isNotEmpty();
        assertThat(steps.get(steps.size() - 1).totalSteps()).isEqualTo(12);
        assertThat(steps.get(0).loss()).isLessThanOrEqualTo(Math.log(2) + 1e-4);
        assertThat(outcome.metrics()).containsKeys("train_loss", "rewards_accuracies", "beta")
                .doesNotContainKeys("train_mean_token_accuracy", "perplexity");
        assertThat(outcome.metrics().get("train_loss")).isLessThan(Math.log(2));
        assertThat(outcome.trainedTokens()).isPositive();
        assertThat(events.progress(JobProgress.Kind.MESSAGE)).extracting(JobProgress::message)
                .anyMatch(m -> m.contains("with DPO (beta 0.1)"));
        try (SafeTensorsReader w = SafeTensorsReader.open(unpack(outcome.adapter().digest(), tmp.resolve("dpo"))
                .resolve("adapter_model.safetensors"))) {
            assertThat(maxAbs(w.readFloats("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight")))
                    .as("DPO moved the adapter").isGreaterThan(1e-5f);
        }

        // checkpoints every 4 updates; a second attempt resumed from step 8 trains steps 9-12 only, the same run
        assertThat(events.checkpoints()).extracting(CheckpointSaved::step).contains(4, 8);
        CheckpointSaved at8 = events.checkpoints().stream().filter(c -> c.step() == 8).findFirst().orElseThrow();
        assertThat(STORE.artifact(at8.checkpoint().id()).path("metadata").path("metrics").has("rewards_accuracies"))
                .as("a DPO checkpoint names its accuracy as TRL does").isTrue();
        JobDispatched first = Jobs.dispatched(jobId, prefs, null, dpo);
        JobDispatched second = new JobDispatched(jobId, first.tenantId(), 2, first.model(), first.baseModel(),
                first.quantizedModel(), first.trainingFile(), null, first.method(), dpo, first.seed(), first.suffix(),
                at8.checkpoint());
        events.publish(Topics.JOB_DISPATCH, Jobs.json(second));
        JobOutcome resumed = events.awaitOutcome(2);
        assertThat(resumed.status()).as("outcome %s", resumed).isEqualTo(JobOutcome.Status.SUCCEEDED);
        assertThat(events.progress(JobProgress.Kind.MESSAGE)).extracting(JobProgress::message)
                .anyMatch(m -> m.contains("resuming from checkpoint " + at8.checkpoint().id()));
        assertThat(events.progress(JobProgress.Kind.STEP)).filteredOn(p -> p.attempt() == 2).extracting(JobProgress::step)
                .isNotEmpty().allMatch(s -> s > 8);
        assertThat(resumed.metrics().get("train_loss")).isCloseTo(outcome.metrics().get("train_loss"), within(1e-5));
        assertThat(resumed.metrics().get("rewards_accuracies")).isEqualTo(outcome.metrics().get("rewards_accuracies"));

        // a supervised file under a DPO job fails the attempt naming the file and what it needs
        String wrongId = Jobs.newJobId();
        JobEvents wrong = new JobEvents(wrongId);
        ArtifactRef chats = TrainingFixtures.dataset("pirate-train.jsonl", TrainingFixtures.PIRATE_CHATS);
        wrong.publish(Topics.JOB_DISPATCH, Jobs.json(Jobs.dispatched(wrongId, chats, null, dpo)));
        JobOutcome refused = wrong.awaitOutcome();
        assertThat(refused.status()).isEqualTo(JobOutcome.Status.FAILED);
        assertThat(refused.error().code()).isEqualTo(JobFailure.INVALID_TRAINING_FILE);
        assertThat(refused.error().message()).contains("preference pairs");
    }

    @jakarta.inject.Inject
    dev.loraforge.trainer.service.AttemptService attemptService;

    @jakarta.inject.Inject
    dev.loraforge.trainer.repository.AttemptRepository attemptRows;

    @jakarta.inject.Inject
    dev.loraforge.trainer.config.WorkerIdentity worker;

    @jakarta.inject.Inject
    dev.loraforge.trainer.service.WorkerPool pool;

    @Test
    void anAttemptADeadEarlierRunOfThisWorkerHeldIsHandedBackAndFinished() throws Exception {
        String host = worker.id().substring(0, worker.id().lastIndexOf('-'));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String deadWorker = host + "-" + gone.pid();
        String liveWorker = host + "-" + ProcessHandle.current().parent().orElseThrow().pid();
        ArtifactRef training = TrainingFixtures.dataset("pirate-train.jsonl", TrainingFixtures.PIRATE_CHATS);
        String interruptedId = Jobs.newJobId();
        String othersId = Jobs.newJobId();
        // as a kill -9 leaves them: running, held by a process that is gone, and by a live replica on this host
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(() -> {
            for (String[] row : new String[][] {{interruptedId, deadWorker}, {othersId, liveWorker}}) {
                dev.loraforge.trainer.repository.Attempt a = new dev.loraforge.trainer.repository.Attempt();
                a.key = new dev.loraforge.trainer.repository.Attempt.Key(row[0], 1);
                a.payload = Jobs.json(Jobs.dispatched(row[0], training, null, Jobs.hyperparameters(1, 1e-3, 0)));
                a.state = dev.loraforge.trainer.repository.Attempt.RUNNING;
                a.workerId = row[1];
                a.recordedAt = java.time.OffsetDateTime.now();
                a.queuedAt = a.recordedAt;
                a.claimedAt = a.recordedAt;
                a.heartbeatAt = a.recordedAt;
                a.step = 2;
                attemptRows.persist(a);
            }
        });
        JobEvents events = new JobEvents(interruptedId);

        // what the worker does at start, before its slots claim anything
        assertThat(attemptService.reclaimInterrupted(worker)).extracting(dev.loraforge.trainer.repository.Attempt.Key::jobId)
                .containsExactly(interruptedId);
        pool.wake();
        JobOutcome outcome = events.awaitOutcome();
        assertThat(outcome.status()).isEqualTo(JobOutcome.Status.SUCCEEDED);
        assertThat(outcome.attempt()).as("the same attempt, resumed without a new dispatch").isEqualTo(1);
        assertThat(outcome.workerId()).isEqualTo(worker.id());
        given().get("/api/v1/attempts/{id}", othersId).then().statusCode(200)
                .body("[0].state", equalTo("running")).body("[0].worker_id", equalTo(liveWorker));
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(() ->
                attemptRows.deleteById(new dev.loraforge.trainer.repository.Attempt.Key(othersId, 1)));
    }

    @Test
    void aReDispatchedAttemptKeepsItsJobsPlaceInTheQueue() {
        ArtifactRef training = TrainingFixtures.dataset("pirate-train.jsonl", TrainingFixtures.PIRATE_CHATS);
        String first = Jobs.newJobId();
        String later = Jobs.newJobId();
        JobDispatched firstJob = Jobs.dispatched(first, training, null, Jobs.hyperparameters(1, 1e-3, 0));
        attemptService.record(firstJob, Jobs.json(firstJob));
        JobDispatched laterJob = Jobs.dispatched(later, training, null, Jobs.hyperparameters(1, 1e-3, 0));
        attemptService.record(laterJob, Jobs.json(laterJob));
        // job-api dispatches the first job again (its lease was lost): attempt 2 queues where attempt 1 did
        JobDispatched retry = Jobs.withAttempt(firstJob, 2);
        attemptService.record(retry, Jobs.json(retry));
        var rows = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> java.util.List.of(
                attemptRows.findById(new dev.loraforge.trainer.repository.Attempt.Key(first, 1)),
                attemptRows.findById(new dev.loraforge.trainer.repository.Attempt.Key(later, 1)),
                attemptRows.findById(new dev.loraforge.trainer.repository.Attempt.Key(first, 2))));
        assertThat(rows.get(2).queuedAt).isEqualTo(rows.get(0).queuedAt).isBefore(rows.get(1).queuedAt);
        assertThat(rows.get(2).recordedAt).isAfter(rows.get(1).recordedAt);
        new JobEvents(first).awaitOutcome();
        new JobEvents(later).awaitOutcome();
    }

    @Test
    void malformedTrainingFileFailsNamingTheLine() {
        String jobId = Jobs.newJobId();
        List<String> lines = new ArrayList<>(TrainingFixtures.PIRATE_CHATS.subList(0, 4));
        lines.set(2, "{\"messages\": [{\"role\": \"user\", \"content\": \"unfinished\"}"); // line 3: the JSON breaks off
        ArtifactRef training = TrainingFixtures.dataset("broken.jsonl", lines);
        JobEvents events = new JobEvents(jobId);

        events.publish(Topics.JOB_DISPATCH, Jobs.json(Jobs.dispatched(jobId, training, null, Jobs.hyperparameters(1, 1e-3, 0))));

        JobOutcome outcome = events.awaitOutcome();
        assertThat(outcome.status()).isEqualTo(JobOutcome.Status.FAILED);
        assertThat(outcome.adapter()).isNull();
        assertThat(outcome.error().code()).isEqualTo(JobFailure.INVALID_TRAINING_FILE);
        assertThat(outcome.error().message()).contains(training.id()).contains("line 3");
        assertThat(events.progress(JobProgress.Kind.STARTED)).hasSize(1);
        assertThat(events.progress(JobProgress.Kind.STEP)).isEmpty();
        assertThat(STORE.artifacts(jobId, "adapter")).isEmpty();

        given().get("/api/v1/attempts/{id}", jobId).then().statusCode(200)
                .body("[0].state", equalTo("failed"))
                .body("[0].error_code", equalTo(JobFailure.INVALID_TRAINING_FILE))
                .body("[0].error_message", containsString("line 3"));
    }

    @Test
    void newerAttemptSupersedesTheRunningOneAndTheJobCompletesOnce() {
        String jobId = Jobs.newJobId();
        ArtifactRef training = TrainingFixtures.dataset("pirate-train.jsonl", TrainingFixtures.PIRATE_CHATS);
        JobEvents events = new JobEvents(jobId);
        // attempt 1 would run 4,000 updates; job-api re-dispatches the job (say after a lost lease) as attempt 2
        JobDispatched first = Jobs.dispatched(jobId, training, null, Jobs.hyperparameters(1000, 1e-3, 0));
        events.publish(Topics.JOB_DISPATCH, Jobs.json(first));
        events.awaitProgress(p -> p.kind() == JobProgress.Kind.STEP && p.attempt() == 1);

        JobDispatched second = Jobs.withAttempt(Jobs.dispatched(jobId, training, null, Jobs.hyperparameters(1, 1e-3, 0)), 2);
        events.publish(Topics.JOB_DISPATCH, Jobs.json(second));

        JobOutcome outcome = events.awaitOutcome();
        assertThat(outcome.attempt()).isEqualTo(2);
        assertThat(outcome.status()).isEqualTo(JobOutcome.Status.SUCCEEDED);
        assertThat(outcome.metrics()).containsEntry("steps", 4.0);
        // the superseded attempt says nothing more: no outcome, one adapter in all
        assertThat(events.outcomes()).extracting(JobOutcome::attempt).containsExactly(2);
        assertThat(events.progress(JobProgress.Kind.STARTED)).extracting(JobProgress::attempt).containsExactly(1, 2);
        assertThat(STORE.artifacts(jobId, "adapter")).hasSize(1);
        given().get("/api/v1/attempts/{id}", jobId).then().statusCode(200)
                .body("$", hasSize(2))
                .body("[0].attempt", equalTo(1))
                .body("[0].state", equalTo("superseded"))
                .body("[1].attempt", equalTo(2))
                .body("[1].state", equalTo("succeeded"));
    }

    private static Path unpack(String digest, Path dir) throws Exception {
        try (InputStream in = STORE.openBlob(digest)) {
            DirectoryArchive.extract(in, dir);
        }
        try (var entries = Files.list(dir)) {
            assertThat(entries).isNotEmpty();
        }
        return dir;
    }

    private static List<String> relations(JsonNode artifact) {
        List<String> out = new ArrayList<>();
        artifact.path("parents").forEach(p -> out.add(p.path("relation").asText() + "=" + p.path("id").asText()));
        return out;
    }

    private static float maxAbs(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
