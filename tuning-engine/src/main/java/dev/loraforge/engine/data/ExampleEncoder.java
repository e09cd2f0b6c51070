package dev.loraforge.engine.data;

import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns parsed examples into token ids and loss labels, truncated (on the right) to {@code seqLen}:
 * <ul>
 *   <li>chat: the chat template's rendering; only trained assistant turns (content and end-of-turn
 *       text) carry labels, see {@link ChatTemplate#segments};</li>
 *   <li>prompt/completion: {@code [BOS] prompt completion [EOS]}, labels on completion and EOS;</li>
 *   <li>text: {@code [BOS] text [EOS]}, labels on every token.</li>
 * </ul>
 * BOS/EOS are those of {@code tokenizer_config.json}; a tokenizer without one simply omits it.
 */
public final class ExampleEncoder {

    private final ModelTokenizer tokenizer;
    private final ChatTemplate template;
    private final int seqLen;

    public ExampleEncoder(ModelTokenizer tokenizer, int seqLen) {
        if (seqLen < 2) {
            throw new IllegalArgumentException("seqLen must be at least 2, got " + seqLen);
        }
        this.tokenizer = tokenizer;
        this.template = new ChatTemplate(tokenizer.chatTemplate().orElse(null),
                tokenizer.bosToken().orElse(null), tokenizer.eosToken().orElse(null));
        this.seqLen = seqLen;
    }

    public ChatTemplate chatTemplate() {
        return template;
    }

    public int seqLen() {
        return seqLen;
    }

    public EncodedExample encode(Example example) {
        IdBuffer buf = new IdBuffer();
        if (example instanceof Example.Chat chat) {
            for (ChatTemplate.Segment s : template.segments(chat.messages())) {
                buf.add(tokenizer.encode(s.text()), s.trained());
            }
        } else if (example instanceof Example.PromptCompletion pc) {
            tokenizer.bosId().ifPresent(id -> buf.add(new int[] {id}, false));
            buf.add(tokenizer.encode(pc.prompt()), false);
            buf.add(tokenizer.encode(pc.completion()), true);
            tokenizer.eosId().ifPresent(id -> buf.add(new int[] {id}, true));
        } else if (example instanceof Example.Text t) {
            tokenizer.bosId().ifPresent(id -> buf.add(new int[] {id}, true));
            buf.add(tokenizer.encode(t.text()), true);
            tokenizer.eosId().ifPresent(id -> buf.add(new int[] {id}, true));
        }
        return buf.build(seqLen);
    }

    /** Encodes every example and keeps those that still have a trained token after truncation. */
    public Encoded encodeAll(List<Example> examples) {
        List<EncodedExample> kept = new ArrayList<>();
        int truncated = 0;
        int dropped = 0;
        for (Example e : examples) {
            EncodedExample enc = encode(e);
            if (enc.length() == seqLen) {
                truncated++;
            }
            if (enc.targetTokens() == 0) {
                dropped++;
            } else {
                kept.add(enc);
            }
        }
        return new Encoded(kept, truncated, dropped);
    }

    /**
     * Encoded examples, how many reached {@code seqLen} (and may have been cut) and how many were
     * dropped because truncation left them nothing to learn.
     */
    public record Encoded(List<EncodedExample> examples, int truncated, int dropped) {
    }

    /** Collects ids and labels piece by piece. */
    private static final class IdBuffer {
        private int[] ids = new int[64];
        private int[] labels = new int[64];
        private int n;

        void add(int[] piece, boolean trained) {
            if (n + piece.length > ids.length) {
                int cap = Math.max(ids.length * 2, n + piece.length);
                ids = Arrays.copyOf(ids, cap);
                labels = Arrays.copyOf(labels, cap);
            }
            for (int id : piece) {
                ids[n] = id;
                labels[n++] = trained ? id : EncodedExample.IGNORE;
            }
        }

        EncodedExample build(int maxLen) {
            int len = Math.min(n, maxLen);
            return new EncodedExample(Arrays.copyOf(ids, len), Arrays.copyOf(labels, len));
        }
    }
}
