package dev.loraforge.inference.service;

import dev.loraforge.contracts.artifactstore.ArtifactStoreConnection;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.contracts.inference.DatasetStats;
import dev.loraforge.engine.data.DatasetException;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.EncodedPreference;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.data.PreferenceEncoder;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A job's datasets as training will see them, without training: read with the engine's validator, rendered with the
 * base model's chat template and tokenized with its tokenizer at the job's sequence length, exactly as the trainer's
 * encoder does (job-api's dry run); a preference (DPO) file as the DPO loop encodes its pairs. The base's files come from the {@link ModelStore}'s download (shared with
 * serving); the model's weights are not loaded.
 */
@ApplicationScoped
public class DatasetStatsService {

    private final ModelStore models;
    private final ArtifactStoreConnection store;

    public DatasetStatsService(ModelStore models, ArtifactStoreConnection store) {
        this.models = models;
        this.store = store;
    }

    /**
     * @param validationDigest may be null
     * @throws InferenceException 400 for a sequence length beyond the model's or a file the validator refuses, 404 for
     *                            a blob artifact-store does not have, 503 when it cannot deliver
     */
    public DatasetStats stats(String baseDigest, String trainingDigest, String validationDigest, int seqLen,
                              Map<String, Object> chatTemplateKwargs, String tenant) {
        Path dir = models.baseDirectory(baseDigest, tenant);
        int max = LlamaConfig.load(dir).maxPositionEmbeddings();
        if (seqLen > max) {
            throw InferenceException.invalid("seq_len", "seq_len " + seqLen + " exceeds the model's max_position_embeddings "
                    + max);
        }
        ModelTokenizer tokenizer;
        try {
            tokenizer = ModelTokenizer.load(dir);
        } catch (IOException | RuntimeException e) {
            throw new InferenceException(422, "model_unusable", "base_digest", "base model " + baseDigest
                    + " has no usable tokenizer: " + e.getMessage(), e);
        }
        try (tokenizer) {
            Encoders encoders = new Encoders(tokenizer, seqLen, chatTemplateKwargs == null ? Map.of() : chatTemplateKwargs);
            DatasetStats.Part training = part(encoders, trainingDigest, "training_digest", tenant);
            DatasetStats.Part validation = validationDigest == null ? null : part(encoders, validationDigest, "validation_digest", tenant);
            return new DatasetStats(training, validation);
        }
    }

    /** The trainer's two encoders over one tokenizer, each made when a file needs it. */
    private static final class Encoders {
        private final ModelTokenizer tokenizer;
        private final int seqLen;
        private final Map<String, Object> kwargs;
        private ExampleEncoder examples;
        private PreferenceEncoder pairs;

        Encoders(ModelTokenizer tokenizer, int seqLen, Map<String, Object> kwargs) {
            this.tokenizer = tokenizer;
            this.seqLen = seqLen;
            this.kwargs = kwargs;
        }

        ExampleEncoder examples() {
            if (examples == null) {
                examples = new ExampleEncoder(tokenizer, seqLen, kwargs);
            }
            return examples;
        }

        PreferenceEncoder pairs() {
            if (pairs == null) {
                pairs = new PreferenceEncoder(tokenizer, seqLen, kwargs);
            }
            return pairs;
        }
    }

    private DatasetStats.Part part(Encoders encoders, String digest, String param, String tenant) {
        Path file = null;
        try {
            file = Files.createTempFile("dataset-", ".jsonl");
            try {
                store.downloadFile(digest, tenant, file);
            } catch (ArtifactStoreException e) {
                if (e.notFound()) {
                    throw new InferenceException(404, "file_not_found", param, "artifact-store has no dataset " + digest
                            + (tenant == null ? " readable without a tenant" : " of tenant " + tenant), e);
                }
                throw new InferenceException(503, "artifact_store_unavailable", null, e.getMessage(), e);
            }
            DatasetValidator.Result read;
            try {
                read = DatasetValidator.read(file);
            } catch (DatasetException e) {
                throw InferenceException.invalid(param, "dataset " + digest + " is not valid: " + e.getMessage());
            }
            if (read.format() != null && read.format().isPreference()) {
                return pairs(encoders.pairs(), read, param);
            }
            ExampleEncoder encoder = encoders.examples();
            int examples = 0;
            int truncated = 0;
            int dropped = 0;
            int longest = 0;
            long tokens = 0;
            long targets = 0;
            for (int i = 0; i < read.examples().size(); i++) {
                ExampleEncoder.Encoding enc;
                try {
                    enc = encoder.encodeDetailed(read.examples().get(i));
                } catch (RuntimeException e) {
                    long line = i < read.lines().size() ? read.lines().get(i) : i + 1;
                    throw InferenceException.invalid(param, "line " + line + " cannot be rendered with the model's"
                            + " chat template: " + e.getMessage());
                }
                longest = Math.max(longest, enc.tokens().ids().length);
                truncated += enc.truncated() ? 1 : 0;
                EncodedExample kept = enc.example();
                if (kept.targetTokens() == 0) {
                    dropped++;
                    continue;
                }
                examples++;
                tokens += kept.length();
                targets += kept.targetTokens();
            }
            return new DatasetStats.Part(read.examples().size(), examples, tokens, targets, truncated, dropped, longest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temp file left behind
                }
            }
        }
    }

    /**
     * A preference (DPO) file as the trainer's DPO loop sees it: {@code examples} the pairs kept, {@code tokens} the
     * tokens of both sequences of each (prompt + chosen, prompt + rejected: what an epoch forwards), {@code target_tokens}
     * their response tokens, {@code truncated} the pairs with a response cut, {@code dropped} those whose prompt fills
     * the sequence length, {@code longest} the longest sequence before truncation.
     */
    private static DatasetStats.Part pairs(PreferenceEncoder encoder, DatasetValidator.Result read, String param) {
        var pairs = read.preferences();
        int kept = 0;
        int truncated = 0;
        int dropped = 0;
        int longest = 0;
        long tokens = 0;
        long targets = 0;
        for (int i = 0; i < pairs.size(); i++) {
            PreferenceEncoder.Encoding full;
            try {
                full = encoder.encodeFull(pairs.get(i));
            } catch (RuntimeException e) {
                long line = i < read.lines().size() ? read.lines().get(i) : i + 1;
                throw InferenceException.invalid(param, "line " + line + " cannot be rendered with the model's chat"
                        + " template: " + e.getMessage());
            }
            longest = Math.max(longest, full.promptIds().length + Math.max(full.chosenIds().length, full.rejectedIds().length));
            EncodedPreference pair = encoder.truncate(full);
            if (pair == null) {
                dropped++;
                continue;
            }
            kept++;
            truncated += pair.chosenIds().length < full.chosenIds().length
                    || pair.rejectedIds().length < full.rejectedIds().length ? 1 : 0;
            tokens += pair.tokens();
            targets += pair.chosenIds().length + pair.rejectedIds().length;
        }
        return new DatasetStats.Part(pairs.size(), kept, tokens, targets, truncated, dropped, longest);
    }
}
