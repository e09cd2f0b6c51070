package dev.loraforge.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.lora.PeftAdapters;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.settings.JobSettings;
import dev.loraforge.events.DirectoryArchive;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The platform end to end: the four services as separate processes (two trainers), one real
 * Kafka broker, a fresh PostgreSQL database, driven through the public OpenAI-shaped API as a
 * tenant would, with a webhook receiver on loopback.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlatformIT {

    static final String MODEL = "tiny-llama";
    static Platform platform;
    static ApiClient alice;
    static WebhookReceiver hooks;
    static String hookSecret;
    static Path baseModelDir;
    static String fineTunedModel;

    @BeforeAll
    static void start() throws Exception {
        platform = Platform.start(2);
        baseModelDir = platform.work.resolve("models/" + MODEL);
        TinyModelGenerator.write(TinyModelGenerator.Preset.parse("tiny"), baseModelDir, 42);
        platform.store().post("/api/v1/base-models", "{\"name\":\"" + MODEL + "\",\"path\":\"" + baseModelDir + "\"}");
        alice = platform.tenant("alice", 2);
        hooks = new WebhookReceiver();
        hookSecret = alice.post("/v1/webhooks", "{\"url\":\"" + hooks.url() + "\"}").path("secret").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        if (hooks != null) {
            hooks.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    /** Long jobs a test starts: cancelled after it, also when it fails midway, so that the next test starts quiet. */
    static final List<java.util.Map.Entry<ApiClient, String>> longJobs = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void cancelLongJobs() {
        for (var job : longJobs) {
            job.getKey().call("POST", "/v1/fine_tuning/jobs/" + job.getValue() + "/cancel", null); // ended: a 400, fine
        }
        longJobs.clear();
    }

    static String upload(ApiClient tenant, String content) {
        return ApiClient.expect(200, tenant.upload("train.jsonl", content)).path("id").asText();
    }

    static String create(ApiClient tenant, String fileId, int epochs) {
        return create(tenant, fileId, epochs, "");
    }

    /** {@code extra}: more hyperparameters, e.g. {@code ,"checkpoint_every":25}. */
    static String create(ApiClient tenant, String fileId, int epochs, String extra) {
        return tenant.post("/v1/fine_tuning/jobs", "{\"model\":\"" + MODEL + "\",\"training_file\":\"" + fileId
                + "\",\"hyperparameters\":{\"n_epochs\":" + epochs + ",\"batch_size\":4" + extra
                + "},\"suffix\":\"it\",\"seed\":7}").path("id").asText();
    }

    /** A demo dataset repeated {@code times}: more steps per epoch (OpenAI caps n_epochs at 50). */
    static String repeated(String dataset, int times) {
        return DemoDatasets.read(dataset).strip().concat("\n").repeat(times);
    }

    static JsonNode awaitStatus(ApiClient tenant, String jobId, String status, int seconds) {
        await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(500)).until(() -> {
            String now = tenant.get("/v1/fine_tuning/jobs/" + jobId).path("status").asText();
            assertThat(now).as("job " + jobId + " ended otherwise: " + tenant.get("/v1/fine_tuning/jobs/" + jobId))
                    .isIn(status, "queued", "running", "paused");
            return now.equals(status);
        });
        return tenant.get("/v1/fine_tuning/jobs/" + jobId);
    }

    static List<String> messages(ApiClient tenant, String jobId) {
        List<String> messages = new ArrayList<>();
        tenant.get("/v1/fine_tuning/jobs/" + jobId + "/events?limit=100").path("data")
                .forEach(e -> messages.add(e.path("message").asText()));
        return messages;
    }

    /** Standard Webhooks, computed here from the spec's text, independently of the platform's signer. */
    static boolean validSignature(WebhookReceiver.Delivery d, String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        String expected = "v1," + Base64.getEncoder().encodeToString(
                mac.doFinal((d.id() + "." + d.timestamp() + "." + d.body()).getBytes(StandardCharsets.UTF_8)));
        return List.of(d.signature().split(" ")).contains(expected);
    }

    @Test
    @Order(1)
    void everyServiceIsReadyAndServesMetricsAndOpenApi() {
        for (ServiceProcess s : platform.services.values()) {
            assertThat(s.status("/q/health/ready")).as(s.name).isEqualTo(200);
            assertThat(s.status("/q/metrics")).as(s.name).isEqualTo(200);
            assertThat(s.status("/q/openapi")).as(s.name).isEqualTo(200);
        }
    }

    @Test
    @Order(2)
    void aJobTrainsForRealAndEndsWithASignedWebhookAndALoadableAdapter() throws Exception {
        String file = upload(alice, DemoDatasets.read(DemoDatasets.PIRATE));
        // the caller's trace (not sampled: ids travel, nothing is exported) is followed to the webhook
        String traceId = java.util.HexFormat.of().formatHex(java.security.SecureRandom.getSeed(16));
        String jobId = alice.post("/v1/fine_tuning/jobs", "{\"model\":\"" + MODEL + "\",\"training_file\":\"" + file
                + "\",\"hyperparameters\":{\"n_epochs\":3,\"batch_size\":4},\"suffix\":\"it\",\"seed\":7}",
                java.util.Map.of("traceparent", "00-" + traceId + "-" + "0123456789abcdef" + "-00")).path("id").asText();

        JsonNode done = awaitStatus(alice, jobId, "succeeded", 240);
        String model = done.path("fine_tuned_model").asText();
        assertThat(model).matches("ft:" + java.util.regex.Pattern.quote(MODEL) + ":[^:]+:it:[A-Za-z0-9]+");
        assertThat(done.path("trained_tokens").asLong()).isPositive();
        assertThat(messages(alice, jobId)).anyMatch(m -> m.startsWith("Step ")).contains("The job has successfully completed");
        assertThat(alice.get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints").path("data")).isNotEmpty();
        // the result file: OpenAI's step_metrics.csv, one row per step, every accuracy a share
        assertThat(done.path("result_files")).hasSize(1);
        String resultFile = done.path("result_files").get(0).asText();
        assertThat(alice.get("/v1/files/" + resultFile).path("purpose").asText()).isEqualTo("fine-tune-results");
        List<String> rows;
        try (InputStream csv = alice.download("/v1/files/" + resultFile + "/content")) {
            rows = new String(csv.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        assertThat(rows.get(0)).isEqualTo("step,train_loss,train_mean_token_accuracy,valid_loss,valid_mean_token_accuracy");
        JsonNode lastMetrics = alice.get("/v1/fine_tuning/jobs/" + jobId + "/events?limit=100").path("data").findValues("data")
                .stream().filter(d -> d.has("total_steps")).findFirst().orElseThrow();
        assertThat(rows).hasSize(1 + lastMetrics.path("total_steps").asInt());
        assertThat(rows.subList(1, rows.size())).allSatisfy(row -> {
            String[] cells = row.split(",", -1);
            assertThat(Double.parseDouble(cells[1])).isPositive();
            assertThat(Double.parseDouble(cells[2])).isBetween(0.0, 1.0);
        });
        assertThat(alice.get("/v1/models").path("data").findValuesAsText("id")).contains(MODEL, model);

        await().atMost(Duration.ofSeconds(60)).until(() -> !hooks.about(jobId).isEmpty());
        WebhookReceiver.Delivery hook = hooks.about(jobId).get(0);
        assertThat(ApiClient.JSON.readTree(hook.body()).path("type").asText()).isEqualTo("fine_tuning.job.succeeded");
        assertThat(validSignature(hook, hookSecret)).as("signature " + hook.signature()).isTrue();
        // one trace from the create to the webhook, through the dispatch record, the trainer and its outcome record
        assertThat(hook.traceparent()).as("the webhook's traceparent").startsWith("00-" + traceId + "-");
        var probe = new dev.loraforge.kafka.TopicProbe(platform.kafka.bootstrapServers());
        for (String topic : List.of(dev.loraforge.events.Topics.JOB_DISPATCH, dev.loraforge.events.Topics.JOB_OUTCOME)) {
            var records = probe.awaitRecords(topic, v -> v.contains(jobId), 1, Duration.ofSeconds(30));
            assertThat(records).as(topic).hasSize(1);
            var header = records.get(0).headers().lastHeader("traceparent");
            assertThat(header).as("traceparent of the %s record", topic).isNotNull();
            assertThat(new String(header.value(), StandardCharsets.UTF_8)).as(topic).startsWith("00-" + traceId + "-");
        }

        Path adapterDir = platform.work.resolve("downloaded/" + jobId);
        try (InputStream tar = alice.download("/v1/fine_tuning/jobs/" + jobId + "/adapter")) {
            DirectoryArchive.extract(tar, adapterDir);
        }
        assertThat(adapterDir.resolve("adapter_model.safetensors")).exists();
        // the job was created without adapter settings: it trained with the documented defaults (2 r for alpha),
        // resolved once by job-api and carried through Kafka to the trainer, not a trainer-side default
        JsonNode peft = ApiClient.JSON.readTree(adapterDir.resolve("adapter_config.json").toFile());
        assertThat(peft.path("r").asInt()).isEqualTo(JobSettings.DEFAULT_R);
        assertThat(peft.path("lora_alpha").asDouble()).isEqualTo(JobSettings.defaultAlpha(JobSettings.DEFAULT_R)).isEqualTo(16.0);
        assertThat(peft.path("lora_dropout").asDouble()).isEqualTo(JobSettings.DEFAULT_DROPOUT);
        List<String> targets = new ArrayList<>();
        peft.path("target_modules").forEach(t -> targets.add(t.asText()));
        assertThat(targets).containsExactlyInAnyOrder("q_proj", "v_proj");
        try (LlamaModel base = LlamaModel.load(baseModelDir);
             NDManager manager = NDManager.newBaseManager();
             Adapter adapter = PeftAdapters.load(base, adapterDir)) {
            NDArray ids = manager.create(new long[][] {{1, 5, 9, 13, 17}});
            float[] plain = base.forward(ids, null, null, null).toFloatArray();
            float[] adapted = base.forward(ids, null, null, adapter).toFloatArray();
            float maxDiff = 0;
            for (int i = 0; i < plain.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(plain[i] - adapted[i]));
            }
            assertThat(maxDiff).as("the trained adapter changes the logits").isGreaterThan(1e-3f);
        }

        // served: the fine-tuned id answers chat completions with the adapter applied (inference-service)
        fineTunedModel = model;
        JsonNode chat = alice.post("/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Where is the treasure?\"}],\"max_tokens\":8,\"temperature\":0}");
        assertThat(chat.path("object").asText()).isEqualTo("chat.completion");
        assertThat(chat.path("model").asText()).isEqualTo(model);
        assertThat(chat.path("choices").get(0).path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(chat.path("usage").path("completion_tokens").asInt()).isBetween(1, 8);
        assertThat(chat.path("usage").path("prompt_tokens").asInt()).isPositive();

        JsonNode adapters = platform.store().get("/api/v1/artifacts?kind=adapter&job_id=" + jobId);
        String adapterId = (adapters.isArray() ? adapters : adapters.path("data")).get(0).path("id").asText();
        JsonNode lineage = platform.store().get("/api/v1/artifacts/" + adapterId + "/lineage");
        assertThat(lineage.path("nodes").findValuesAsText("kind")).contains("base_model", "dataset", "adapter");
    }

    @Test
    @Order(3)
    void cancelStopsARunningJob() {
        String jobId = create(alice, upload(alice, repeated(DemoDatasets.BUTLER, 10)), 50); // ~3,250 steps
        awaitStatus(alice, jobId, "running", 120);
        JsonNode cancelled = alice.post("/v1/fine_tuning/jobs/" + jobId + "/cancel", null);
        assertThat(cancelled.path("status").asText()).isEqualTo("cancelled");
        await().atMost(Duration.ofSeconds(60)).until(() -> hooks.about(jobId).stream()
                .anyMatch(d -> d.body().contains("fine_tuning.job.cancelled")));
        // the trainer stopped within a step: no more training steps are logged after a short while
        await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ofSeconds(3)).until(() -> {
            int before = messages(alice, jobId).size();
            Thread.sleep(3000);
            return messages(alice, jobId).size() == before;
        });
        assertThat(alice.get("/v1/fine_tuning/jobs/" + jobId).path("status").asText()).isEqualTo("cancelled");
    }

    @Test
    @Order(4)
    void aKilledTrainerLosesItsLeaseAndAnotherFinishesFromTheCheckpoint() {
        String jobId = create(alice, upload(alice, repeated(DemoDatasets.CAPITALS, 4)), 20, ",\"checkpoint_every\":25"); // 400 steps
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(300)).until(() ->
                alice.get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints").path("data").size() > 0);
        String started = messages(alice, jobId).stream().filter(m -> m.startsWith("Fine-tuning job started on "))
                .findFirst().orElseThrow();
        String victim = started.substring("Fine-tuning job started on ".length()).trim();
        assertThat(victim).isIn("trainer-1", "trainer-2");
        platform.service(victim).kill();

        JsonNode done = awaitStatus(alice, jobId, "succeeded", 300);
        assertThat(done.path("attempt").asInt()).isEqualTo(2);
        String survivor = victim.equals("trainer-1") ? "trainer-2" : "trainer-1";
        assertThat(messages(alice, jobId)).contains("Fine-tuning job started on " + survivor)
                .anyMatch(m -> m.contains("lost its lease"));
        await().atMost(Duration.ofSeconds(60)).until(() -> !hooks.about(jobId).isEmpty());
        assertThat(hooks.about(jobId)).hasSize(1);
    }

    @Test
    @Order(5)
    void aQloraJobWaitsForTheQuantizedBaseThenTrainsOnIt() {
        String file = upload(alice, DemoDatasets.read(DemoDatasets.PIRATE));
        JsonNode created = alice.post("/v1/fine_tuning/jobs", "{\"model\":\"" + MODEL + "\",\"training_file\":\"" + file
                + "\",\"hyperparameters\":{\"n_epochs\":2,\"batch_size\":4},\"suffix\":\"q\",\"seed\":7,"
                + "\"adapter\":{\"type\":\"qlora\"}}");
        String jobId = created.path("id").asText();
        assertThat(created.path("adapter").path("type").asText()).isEqualTo("qlora");
        assertThat(created.path("adapter").path("quantization").asText()).isEqualTo("nf4-dq");
        assertThat(messages(alice, jobId)).anyMatch(m -> m.startsWith("Waiting for the nf4-dq quantization of " + MODEL));

        awaitStatus(alice, jobId, "succeeded", 300);
        // quant-service quantized the base once, with lineage to it; the adapter descends from the quantized base
        JsonNode adapters = platform.store().get("/api/v1/artifacts?kind=adapter&job_id=" + jobId);
        String adapterId = (adapters.isArray() ? adapters : adapters.path("data")).get(0).path("id").asText();
        JsonNode lineage = platform.store().get("/api/v1/artifacts/" + adapterId + "/lineage");
        assertThat(lineage.path("nodes").findValuesAsText("kind")).contains("quantized_model", "base_model", "dataset", "adapter");
        JsonNode quantized = platform.store().get("/api/v1/artifacts?kind=quantized_model");
        assertThat(quantized.isArray() ? quantized : quantized.path("data")).hasSize(1);

        // a second QLoRA job on the same base and scheme reuses that one quantized model
        String again = alice.post("/v1/fine_tuning/jobs", "{\"model\":\"" + MODEL + "\",\"training_file\":\"" + file
                + "\",\"hyperparameters\":{\"n_epochs\":1,\"batch_size\":4},\"adapter\":{\"type\":\"qlora\"}}")
                .path("id").asText();
        awaitStatus(alice, again, "succeeded", 300);
        JsonNode stillOne = platform.store().get("/api/v1/artifacts?kind=quantized_model");
        assertThat(stillOne.isArray() ? stillOne : stillOne.path("data")).hasSize(1);
    }

    @Test
    @Order(6)
    void tenantsSeeOnlyTheirOwnThings() {
        ApiClient bob = platform.tenant("bob", 1);
        String file = upload(alice, DemoDatasets.read(DemoDatasets.PIRATE));
        String jobId = create(alice, file, 1);
        assertThat(bob.call("GET", "/v1/fine_tuning/jobs/" + jobId, null).status()).isEqualTo(404);
        assertThat(bob.call("GET", "/v1/files/" + file, null).status()).isEqualTo(404);
        assertThat(bob.call("POST", "/v1/fine_tuning/jobs/" + jobId + "/cancel", null).status()).isEqualTo(404);
        assertThat(bob.get("/v1/fine_tuning/jobs").path("data")).isEmpty();
        assertThat(bob.get("/v1/models").path("data").findValuesAsText("id")).allMatch(id -> !id.startsWith("ft:"));
        if (fineTunedModel != null) {
            ApiClient.Answer chat = bob.call("POST", "/v1/chat/completions", "{\"model\":\"" + fineTunedModel
                    + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(chat.status()).isEqualTo(404);
            assertThat(chat.body().path("error").path("code").asText()).isEqualTo("model_not_found");
        }
        awaitStatus(alice, jobId, "succeeded", 240);
    }

    @Test
    @Order(7)
    void badFilesAreRefusedWithTheirLineNumbers() {
        ApiClient.Answer answer = alice.upload("bad.jsonl",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"}]}\n"
                        + "{broken\n{\"messages\":[{\"role\":\"user\",\"content\":\"no answer\"}]}\n");
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body().path("error").path("message").asText()).contains("line 2", "line 3");
    }

    @Test
    @Order(8)
    void aJobCreatedWhileKafkaIsDownIsDispatchedWhenItComesBack() {
        String file = upload(alice, DemoDatasets.read(DemoDatasets.PIRATE));
        platform.killKafka();
        String jobId = create(alice, file, 1);
        assertThat(alice.get("/v1/fine_tuning/jobs/" + jobId).path("status").asText()).isEqualTo("queued");
        platform.startKafka();
        awaitStatus(alice, jobId, "succeeded", 300);
    }

    /**
     * The web console in a real browser: Debian's Chromium driven by Playwright ({@code playwright-core}
     * from the lockfile in system-tests/console) through sign in, upload, submit, the live loss curve,
     * success, adapter download, lineage and the playground. Needs node, npm and /usr/bin/chromium
     * ({@code .ci/run} installs Chromium when it is missing). Screenshots: system-tests/console/screenshots/.
     */
    @Test
    @Order(9)
    void theWebConsoleWorksInARealBrowser() throws Exception {
        Path console = platform.root.resolve("system-tests/console");
        run(console, List.of("npm", "ci", "--no-audit", "--no-fund"), java.util.Map.of(), 300);
        ApiClient carol = platform.tenant("carol", 2);
        Path dataset = platform.root.resolve("tuning-engine/src/main/resources/dev/loraforge/engine/fixtures/pirate.jsonl");
        run(console, List.of("node", "console.spec.mjs"), java.util.Map.of(
                "CONSOLE_URL", platform.service("job-api").url(),
                "CONSOLE_API_KEY", carol.key(),
                "CONSOLE_BASE_MODEL", MODEL,
                "CHROMIUM", System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"),
                "CONSOLE_DATASET", dataset.toString()), 600);
    }

    /**
     * The unmodified official OpenAI SDK for Node ({@code openai} from the lockfile in system-tests/openai-sdk) drives
     * the platform as a tenant would: files (upload, list, content, delete), jobs (create, idempotency, list with
     * metadata filter, events, checkpoints, pause, resume, cancel, the 400 for {@code method.type: "dpo"}), the result
     * file, models (list, delete), chat and text completions on a fine-tuned and on a checkpoint model. check.mjs
     * prints one line per check.
     */
    @Test
    @Order(10)
    void theOfficialOpenAiSdkDrivesThePlatform() throws Exception {
        Path sdk = platform.root.resolve("system-tests/openai-sdk");
        run(sdk, List.of("npm", "ci", "--no-audit", "--no-fund"), java.util.Map.of(), 300);
        ApiClient dave = platform.tenant("dave", 2);
        run(sdk, List.of("node", "check.mjs"), java.util.Map.of(
                "OPENAI_BASE_URL", platform.service("job-api").url() + "/v1",
                "OPENAI_API_KEY", dave.key(),
                "LORAFORGE_BASE_MODEL", MODEL), 900);
    }

    /** Runs a command in {@code dir}; fails with its output unless it exits 0 within {@code seconds}. */
    private static void run(Path dir, List<String> command, java.util.Map<String, String> env, int seconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        pump.start();
        boolean ended = p.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        pump.join(10_000);
        String output = out.toString(StandardCharsets.UTF_8);
        System.out.println(String.join(" ", command) + ":\n" + output);
        assertThat(ended).as(String.join(" ", command) + " did not end within " + seconds + " s:\n" + output).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + " failed:\n" + output).isZero();
    }

    /**
     * Chaos, each in the middle of one long job's training: the trainer holding the job killed (SIGKILL) and started
     * again, job-api killed and down for longer than the lease (12 s here), the Kafka broker killed (SIGKILL) and down
     * for longer than the lease, PostgreSQL away from every service for longer than the lease. The job resumes from its newest checkpoint
     * (the work lost is less than one checkpoint interval); job-api's, the broker's and the database's outages
     * supersede no attempt (the trainer kept training); the job ends once, with one webhook.
     */
    @Test
    @Order(11)
    void crashesOfJobApiKafkaPostgresAndTheTrainerCostNoHealthyWork() throws Exception {
        for (String trainer : List.of("trainer-1", "trainer-2")) {
            if (!platform.service(trainer).alive()) {
                platform.restart(trainer); // the one killed in the lease test
            }
        }
        int interval = 50;
        // 2,000 steps an epoch, 100,000 in all: far more than the chaos takes on an idle machine (a 10,000-step job
        // once ran out before the last outage); cancelled once the chaos is over
        String jobId = create(alice, upload(alice, repeated(DemoDatasets.CAPITALS, 400)), 50,
                ",\"checkpoint_every\":" + interval);
        longJobs.add(java.util.Map.entry(alice, jobId));
        awaitStatus(alice, jobId, "running", 120);
        java.util.function.Supplier<JsonNode> job = () -> alice.get("/v1/fine_tuning/jobs/" + jobId);
        java.util.function.IntSupplier lastStep = () -> messages(alice, jobId).stream().filter(m -> m.startsWith("Step "))
                .findFirst().map(m -> Integer.parseInt(m.substring(5, m.indexOf('/')))).orElse(0);

        // the trainer holding the job killed, then started again: it hands its attempt back and resumes it
        await().atMost(Duration.ofSeconds(60)).until(() -> alice.get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints")
                .path("data").size() > 0);
        // the trainers' own view (shared attempt queue): who holds attempt 1
        String holder = new ApiClient(platform.service("trainer-1").url(), platform.operatorToken("trainer-service"))
                .get("/api/v1/attempts/" + jobId).get(0).path("worker_id").asText();
        assertThat(holder).isIn("trainer-1", "trainer-2");
        platform.service(holder).kill();
        Thread.sleep(2000); // a checkpoint event sent just before the kill reaches job-api
        int newest = 0;
        for (JsonNode c : alice.get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints").path("data")) {
            newest = Math.max(newest, c.path("step_number").asInt());
        }
        int seenAtKill = lastStep.getAsInt();
        assertThat(job.get().path("status").asText()).as("still training when its trainer was killed").isEqualTo("running");
        platform.restart(holder);
        int resumedFrom = newest;
        java.util.concurrent.atomic.AtomicReference<String> resumedMessage = new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
            messages(alice, jobId).stream().filter(m -> m.startsWith("training ") && m.contains("resuming from checkpoint "))
                    .findFirst().ifPresent(resumedMessage::set);
            return resumedMessage.get() != null;
        });
        String resumed = resumedMessage.get();
        assertThat(resumed).as("resumed from the newest checkpoint").endsWith("-a1-s" + resumedFrom);
        assertThat(seenAtKill - resumedFrom).as("steps seen before the kill beyond the checkpoint").isLessThan(interval);
        await().atMost(Duration.ofSeconds(60)).until(() -> lastStep.getAsInt() > resumedFrom);
        // (attempt 1 resumed by the restarted trainer, or attempt 2 when the restart took longer than the lease: the
        // killed attempt was not healthy; either way from the newest checkpoint)
        int attempt = job.get().path("attempt").asInt();

        // job-api down for longer than the lease
        platform.crash("job-api", Duration.ofSeconds(16));
        int afterJobApi = lastStep.getAsInt();
        assertThat(afterJobApi).as("steps seen before job-api's crash").isPositive();
        // the restarted job-api reads progress once the group has dropped the killed instance (session timeout)
        await().atMost(Duration.ofSeconds(90)).until(() -> lastStep.getAsInt() > afterJobApi);
        Thread.sleep(14_000); // and a whole lease more
        assertThat(job.get().path("attempt").asInt()).as("attempt after job-api's crash").isEqualTo(attempt);

        // the broker down for longer than the lease
        platform.killKafka();
        Thread.sleep(16_000);
        platform.startKafka();
        await().atMost(Duration.ofSeconds(60)).until(() -> lastStep.getAsInt() > afterJobApi + 1
                && !"queued".equals(job.get().path("status").asText()));
        Thread.sleep(14_000);
        assertThat(job.get().path("attempt").asInt()).as("attempt after Kafka's outage").isEqualTo(attempt);
        assertThat(job.get().path("status").asText()).isEqualTo("running");

        // PostgreSQL away from every service for longer than the lease, as during a restart of the server: every
        // connection cut mid-statement, none to be had for 16 s. Consumers wait for it instead of dropping events or
        // stopping; the trainer goes on training; leases are judged again only a lease after the database is back.
        int beforeDatabase = lastStep.getAsInt();
        platform.databaseDown();
        long downAt = System.nanoTime();
        ApiClient.Answer meanwhile = alice.call("GET", "/v1/fine_tuning/jobs/" + jobId, null);
        assertThat(meanwhile.status()).as("job-api without its database: " + meanwhile.body()).isEqualTo(503);
        assertThat(meanwhile.body().path("error").path("code").asText()).isEqualTo("database_unavailable");
        Thread.sleep(Math.max(0, 16_000 - (System.nanoTime() - downAt) / 1_000_000));
        platform.databaseBack();
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> lastStep.getAsInt() > beforeDatabase + 1);
        Thread.sleep(14_000);
        assertThat(job.get().path("attempt").asInt()).as("attempt after PostgreSQL's outage").isEqualTo(attempt);
        assertThat(job.get().path("status").asText()).isEqualTo("running");
        int afterDatabase = lastStep.getAsInt();
        await().atMost(Duration.ofSeconds(30)).until(() -> lastStep.getAsInt() > afterDatabase); // still progressing

        // it ends once
        String end = job.get().path("status").asText();
        if (!"succeeded".equals(end)) {
            assertThat(alice.post("/v1/fine_tuning/jobs/" + jobId + "/cancel", null).path("status").asText())
                    .isIn("cancelled", "succeeded");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> !hooks.about(jobId).isEmpty());
        Thread.sleep(3000);
        assertThat(hooks.about(jobId)).as("webhooks of the job's ending").hasSize(1);
        List<String> all = allMessages(alice, jobId);
        assertThat(all.stream().filter(m -> m.contains("lost its lease"))).as("leases lost").hasSize(attempt - 1);
        assertThat(job.get().path("attempt").asInt()).isEqualTo(attempt);
        System.out.printf("chaos: trainer killed at step %d (seen), resumed from checkpoint %d as attempt %d; job-api, Kafka"
                + " and PostgreSQL outages of 16 s cost no attempt%n", seenAtKill, resumedFrom, attempt);
    }

    /**
     * The operations dashboard (helm/dashboards/loraforge-operations.json) shows what the services export: while a
     * tenant has one job training and one queued, every metric its panels query is on some service's /q/metrics.
     */
    @Test
    @Order(12)
    void everyMetricOfTheOperationsDashboardIsExported() throws Exception {
        JsonNode dashboard = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(platform.root.resolve("helm/dashboards/loraforge-operations.json").toFile());
        java.util.Set<String> wanted = new java.util.TreeSet<>();
        java.util.regex.Pattern name = java.util.regex.Pattern.compile("\\b((?:loraforge|inference|http_server)_[a-z0-9_]+)");
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                var m = name.matcher(target.path("expr").asText());
                while (m.find()) {
                    wanted.add(m.group(1));
                }
            }
        }
        assertThat(wanted).hasSizeGreaterThan(10);
        ApiClient ops = platform.tenant("ops-metrics", 1);
        String file = upload(ops, repeated(DemoDatasets.CAPITALS, 400)); // 100,000 steps: training until cancelled
        String training = create(ops, file, 50);
        String waiting = create(ops, file, 1);
        longJobs.add(java.util.Map.entry(ops, training));
        longJobs.add(java.util.Map.entry(ops, waiting));
        awaitStatus(ops, training, "running", 120);
        java.util.Set<String> exported = new java.util.TreeSet<>();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                for (String service : List.of("job-api", "trainer-1", "trainer-2", "quant-service", "inference-service")) {
                    ServiceProcess s = platform.service(service);
                    if (s.alive()) {
                        exported.addAll(platform.metricNames(s));
                    }
                }
                assertThat(exported).as("metrics on /q/metrics").containsAll(wanted);
            });
        } finally {
            ops.post("/v1/fine_tuning/jobs/" + waiting + "/cancel", null);
            ops.post("/v1/fine_tuning/jobs/" + training + "/cancel", null);
        }
        assertThat(exported).contains("loraforge_jobs_queued", "loraforge_trainer_train_loss");
    }

    /** Every event message of a job, newest first (all pages). */
    static List<String> allMessages(ApiClient tenant, String jobId) {
        List<String> out = new ArrayList<>();
        String after = null;
        while (true) {
            JsonNode page = tenant.get("/v1/fine_tuning/jobs/" + jobId + "/events?limit=100" + (after == null ? "" : "&after=" + after));
            page.path("data").forEach(e -> out.add(e.path("message").asText()));
            if (!page.path("has_more").asBoolean() || page.path("data").isEmpty()) {
                return out;
            }
            after = page.path("data").get(page.path("data").size() - 1).path("id").asText();
        }
    }

    /**
     * A base model arrives over the admin API in parts, a ustar tar of its directory, is checked by artifact-store
     * and listed: a tenant sees it under its ORG/NAME name and chats with it (inference-service serves the uploaded
     * archive). A model that cannot train is refused with the reason and is nowhere.
     */
    @Test
    @Order(13)
    void aBaseModelUploadedInPartsIsListedAndServed() throws Exception {
        Path src = platform.work.resolve("uploads/tiny-upload");
        TinyModelGenerator.write(TinyModelGenerator.Preset.parse("tiny"), src, 7);
        java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
        dev.loraforge.events.DirectoryArchive.write(src, tar);
        byte[] bytes = tar.toByteArray();
        String name = "acme/uploaded-tiny";
        ApiClient admin = platform.admin();
        String aliceId = null;
        for (JsonNode t : admin.get("/admin/v1/tenants")) {
            aliceId = t.path("name").asText().equals("alice") ? t.path("id").asText() : aliceId;
        }
        // private to alice: only her keys see it, tune on it and chat with it
        String upload = admin.post("/admin/v1/model_uploads", "{\"name\":\"" + name + "\",\"bytes\":" + bytes.length
                + ",\"filename\":\"tiny.tar\",\"revision\":\"it-1\",\"tenant_id\":\"" + aliceId + "\"}").path("id").asText();
        int half = bytes.length / 2;
        String first = ApiClient.expect(200, admin.postBytes("/admin/v1/model_uploads/" + upload + "/parts",
                java.util.Arrays.copyOfRange(bytes, 0, half))).path("id").asText();
        String second = ApiClient.expect(200, admin.postBytes("/admin/v1/model_uploads/" + upload + "/parts",
                java.util.Arrays.copyOfRange(bytes, half, bytes.length))).path("id").asText();
        JsonNode done = admin.post("/admin/v1/model_uploads/" + upload + "/complete",
                "{\"part_ids\":[\"" + first + "\",\"" + second + "\"]}");
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("completed");

        List<String> listed = new ArrayList<>();
        alice.get("/v1/models").path("data").forEach(m -> listed.add(m.path("id").asText()));
        assertThat(listed).contains(name, MODEL);
        assertThat(alice.get("/v1/models/" + name).path("owned_by").asText()).isEqualTo(aliceId);
        ApiClient outsider = platform.tenant("outsider", 1);
        List<String> outsiderSees = new ArrayList<>();
        outsider.get("/v1/models").path("data").forEach(m -> outsiderSees.add(m.path("id").asText()));
        assertThat(outsiderSees).contains(MODEL).doesNotContain(name);
        assertThat(outsider.call("GET", "/v1/models/" + name, null).status()).isEqualTo(404);
        assertThat(outsider.call("POST", "/v1/chat/completions", "{\"model\":\"" + name + "\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Hello\"}],\"max_tokens\":5}").status()).isEqualTo(404);
        JsonNode chat = alice.post("/v1/chat/completions", "{\"model\":\"" + name + "\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Hello\"}],\"max_tokens\":5,\"temperature\":0}");
        assertThat(chat.path("model").asText()).isEqualTo(name);
        assertThat(chat.path("usage").path("completion_tokens").asInt()).isBetween(1, 5);
        JsonNode imported = null;
        for (JsonNode m : admin.get("/admin/v1/models")) {
            imported = m.path("id").asText().equals(name) ? m : imported;
        }
        assertThat(imported).isNotNull();
        assertThat(imported.path("metadata").path("revision").asText()).isEqualTo("it-1");
        assertThat(imported.path("owned_by").asText()).isEqualTo(aliceId);

        // a model without its tokenizer: refused with the reason, never listed
        java.nio.file.Files.delete(src.resolve("tokenizer.json"));
        tar.reset();
        dev.loraforge.events.DirectoryArchive.write(src, tar);
        bytes = tar.toByteArray();
        String bad = admin.post("/admin/v1/model_uploads", "{\"name\":\"acme/no-tokenizer\",\"bytes\":" + bytes.length
                + "}").path("id").asText();
        String only = ApiClient.expect(200, admin.postBytes("/admin/v1/model_uploads/" + bad + "/parts", bytes))
                .path("id").asText();
        ApiClient.Answer refused = admin.call("POST", "/admin/v1/model_uploads/" + bad + "/complete",
                "{\"part_ids\":[\"" + only + "\"]}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().toString()).contains("no tokenizer.json");
        assertThat(alice.call("GET", "/v1/models/acme/no-tokenizer", null).status()).isEqualTo(404);
    }

    @Test
    @Order(20)
    void readinessGoesDownWhenKafkaIsUnreachable() {
        platform.killKafka();
        for (ServiceProcess s : platform.services.values()) {
            if (!s.alive()) {
                continue; // the trainer killed above
            }
            if (s.name.equals("inference-service")) {
                // stateless: no Kafka, no database; it serves on without the broker
                assertThat(s.status("/q/health/ready")).as(s.name).isEqualTo(200);
                continue;
            }
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(s.status("/q/health/ready")).as(s.name).isEqualTo(503));
            assertThat(s.status("/q/health/live")).as(s.name + " stays alive").isEqualTo(200);
        }
    }
}
