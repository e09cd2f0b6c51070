package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files-to-files job the trainer service runs: cancel with a checkpoint, then resume to the end. */
class FineTuneJobTest {

    @Test
    void cancelledJobLeavesACheckpointThatAResumedJobFinishesFrom(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, model, 2);
        Path data = DemoDatasets.copy(DemoDatasets.CAPITALS, tmp.resolve("capitals.jsonl"));
        AdapterSpec spec = AdapterSpec.lora(4, 8, List.of("q_proj", "v_proj"));
        TrainConfig config = TrainConfig.builder().learningRate(1e-2).batchSize(4).seed(9).checkpointEvery(4).build();

        CancellationToken cancel = new CancellationToken();
        List<String> log = new ArrayList<>();
        FineTuneJob first = new FineTuneJob(model, data, data, spec, 32, config, 2.0, tmp.resolve("run"), null);
        FineTuneJob.Outcome stopped = first.run(new ProgressListener() {
            @Override
            public void onStep(StepProgress p) {
                assertEquals(10, p.totalSteps(), "2 epochs of 20 examples in batches of 4");
                if (p.step() == 3) {
                    cancel.cancel();
                }
            }
        }, cancel, log::add);
        assertEquals(TrainResult.CANCELLED, stopped.result().status());
        assertEquals(3, stopped.result().steps());
        Path ckpt = tmp.resolve("run/checkpoints/checkpoint-3");
        assertEquals(ckpt, stopped.result().lastCheckpoint(), "a cancel saves where it stopped");
        assertTrue(Files.isRegularFile(tmp.resolve("run/adapter_model.safetensors")));
        assertTrue(log.get(0).startsWith("data: 20 examples (prompt_completion)"), log.toString());

        FineTuneJob.Outcome done = new FineTuneJob(model, data, data, spec, 32, config, 2.0, tmp.resolve("run"), ckpt)
                .run(null, null, null);
        assertEquals(TrainResult.COMPLETED, done.result().status());
        assertEquals(10L, done.metrics().get("steps"));
        assertEquals(10, done.result().losses().size());
        assertEquals(stopped.result().losses(), done.result().losses().subList(0, 3), "history carried over");
        assertTrue(Files.isDirectory(tmp.resolve("run/checkpoints/checkpoint-8")));
        assertTrue(Files.readString(tmp.resolve("run/metrics.json")).contains("\"tokens_per_second\""));

        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> new FineTuneJob(model, data, null, spec, 4096, config, 1.0, tmp.resolve("x"), null).run(null, null, null));
        assertTrue(tooLong.getMessage().contains("max_position_embeddings 512"), tooLong.getMessage());
        IllegalArgumentException badMethod = assertThrows(IllegalArgumentException.class,
                () -> new AdapterSpec("ia3", 4, 8, 0, List.of("q_proj"), false, "kaiming", 0));
        assertTrue(badMethod.getMessage().contains("lora or prefix"));
    }

    @Test
    void trainsAndResumesOnAThreadOtherThanTheOneThatStartedPyTorch(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, model, 2);
        Path data = DemoDatasets.copy(DemoDatasets.CAPITALS, tmp.resolve("capitals.jsonl"));
        ai.djl.engine.Engine.getEngine("PyTorch"); // started here; autograd is on by default on every other thread
        AdapterSpec spec = AdapterSpec.lora(4, 8, List.of("q_proj", "v_proj"));
        TrainConfig config = TrainConfig.builder().learningRate(1e-2).batchSize(4).maxSteps(3).seed(9).checkpointEvery(2).build();
        Throwable[] failure = new Throwable[1];
        FineTuneJob.Outcome[] done = new FineTuneJob.Outcome[2];
        Thread worker = new Thread(() -> {
            try {
                done[0] = new FineTuneJob(model, data, null, spec, 32, config, 0, tmp.resolve("run"), null).run(null, null, null);
                done[1] = new FineTuneJob(model, data, null, spec, 32, config, 0, tmp.resolve("run2"),
                        tmp.resolve("run/checkpoints/checkpoint-2")).run(null, null, null);
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        worker.start();
        worker.join();
        if (failure[0] != null) {
            throw new AssertionError("training on a worker thread failed", failure[0]);
        }
        assertEquals(TrainResult.COMPLETED, done[0].result().status());
        assertEquals(done[0].result().losses(), done[1].result().losses(), "resumed on a worker thread, same losses");
    }
}
