package dev.loraforge.inference.service;

import dev.loraforge.contracts.inference.TokenLogprob;
import dev.loraforge.engine.generate.TokenLogprobs;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The engine's token log-probabilities spelled with the model's tokenizer, as the contract writes them. */
final class Logprobs {

    private Logprobs() {
    }

    static TokenLogprob of(ModelTokenizer tokenizer, TokenLogprobs lp) {
        List<TokenLogprob.Alternative> top = new ArrayList<>();
        int[] ids = lp.topTokens();
        double[] values = lp.topLogprobs();
        for (int i = 0; i < ids.length; i++) {
            byte[] bytes = tokenizer.tokenBytes(ids[i]);
            top.add(new TokenLogprob.Alternative(text(bytes), values[i], list(bytes)));
        }
        byte[] bytes = tokenizer.tokenBytes(lp.token());
        return new TokenLogprob(text(bytes), lp.logprob(), list(bytes), top);
    }

    /** The token's text: its bytes as UTF-8, U+FFFD standing for a partial character. */
    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<Integer> list(byte[] bytes) {
        List<Integer> out = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            out.add(b & 0xFF);
        }
        return out;
    }
}
