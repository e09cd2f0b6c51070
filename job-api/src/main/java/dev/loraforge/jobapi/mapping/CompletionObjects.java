package dev.loraforge.jobapi.mapping;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.contracts.inference.Generation;
import dev.loraforge.contracts.inference.TokenLogprob;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's completion objects, built from inference-service's answers: {@code chat.completion},
 * {@code chat.completion.chunk}, {@code text_completion} (whole and streamed) with {@code usage}, one choice per
 * {@code n}. Log-probabilities in each API's shape: chat's {@code logprobs.content[]} ({@code token}, {@code logprob},
 * {@code bytes}, {@code top_logprobs}), the legacy completions' {@code tokens}, {@code token_logprobs},
 * {@code top_logprobs} (token to log-probability) and {@code text_offset} (each token's offset in the choice's text,
 * as vLLM counts it without {@code echo}).
 */
public final class CompletionObjects {

    private final ObjectMapper json;
    private final String id;
    private final String object;
    private final long created;
    private final String model;
    private final boolean chat;
    private final Map<Integer, Integer> offsets = new HashMap<>(); // streamed text completions: text so far per choice

    /** The objects of one response: {@code chat} for chat completions, else text completions. */
    public CompletionObjects(ObjectMapper json, boolean chat, String id, String model, long created) {
        this.json = json;
        this.chat = chat;
        this.id = id;
        this.model = model;
        this.created = created;
        this.object = chat ? "chat.completion" : "text_completion";
    }

    /** The whole answer from inference-service's {@link Generation}. */
    public ObjectNode complete(Generation generated) {
        ObjectNode out = head(object);
        ArrayNode choices = out.putArray("choices");
        for (Generation.Choice c : generated.choices()) {
            ObjectNode choice = choices.addObject().put("index", c.index());
            if (chat) {
                choice.putObject("message").put("role", "assistant").put("content", c.text()).putNull("refusal");
            } else {
                choice.put("text", c.text());
            }
            choice.set("logprobs", logprobs(c.logprobs(), 0));
            choice.put("finish_reason", c.finishReason());
        }
        out.set("usage", usage(generated.promptTokens(), generated.completionTokens()));
        return out;
    }

    /** The first chunk of a chat choice's stream: the assistant role, no content yet (text streams have none). */
    public ObjectNode roleChunk(int index) {
        ObjectNode out = head("chat.completion.chunk");
        ObjectNode choice = out.putArray("choices").addObject().put("index", index);
        choice.putObject("delta").put("role", "assistant").put("content", "");
        choice.putNull("logprobs").putNull("finish_reason");
        return out;
    }

    /** A chunk carrying a piece of choice {@code index}'s text and its tokens' log-probabilities (null: not asked for). */
    public ObjectNode textChunk(int index, String text, List<TokenLogprob> logprobs) {
        ObjectNode out = head(chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = out.putArray("choices").addObject().put("index", index);
        if (chat) {
            choice.putObject("delta").put("content", text);
        } else {
            choice.put("text", text);
        }
        int offset = offsets.getOrDefault(index, 0);
        choice.set("logprobs", logprobs(logprobs, offset));
        offsets.put(index, offset + text.length());
        choice.putNull("finish_reason");
        return out;
    }

    /** The chunk that ends choice {@code index}, with its finish reason. */
    public ObjectNode finishChunk(int index, String finishReason) {
        ObjectNode out = head(chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = out.putArray("choices").addObject().put("index", index);
        if (chat) {
            choice.putObject("delta");
        } else {
            choice.put("text", "");
        }
        choice.putNull("logprobs").put("finish_reason", finishReason);
        return out;
    }

    /** With {@code stream_options.include_usage}: a last chunk with no choices and the usage of all choices. */
    public ObjectNode usageChunk(int promptTokens, int completionTokens) {
        ObjectNode out = head(chat ? "chat.completion.chunk" : "text_completion");
        out.putArray("choices");
        out.set("usage", usage(promptTokens, completionTokens));
        return out;
    }

    /** The logprobs object of this API for {@code tokens} (null when not asked for); {@code offset}: text before them. */
    private ObjectNode logprobs(List<TokenLogprob> tokens, int offset) {
        if (tokens == null) {
            return null;
        }
        ObjectNode out = json.createObjectNode();
        if (chat) {
            ArrayNode content = out.putArray("content");
            for (TokenLogprob t : tokens) {
                ObjectNode entry = content.addObject().put("token", t.token()).put("logprob", t.logprob());
                t.bytes().forEach(entry.putArray("bytes")::add);
                ArrayNode top = entry.putArray("top_logprobs");
                for (TokenLogprob.Alternative a : t.topLogprobs()) {
                    ObjectNode alt = top.addObject().put("token", a.token()).put("logprob", a.logprob());
                    a.bytes().forEach(alt.putArray("bytes")::add);
                }
            }
            out.putNull("refusal");
            return out;
        }
        ArrayNode names = out.putArray("tokens");
        ArrayNode values = out.putArray("token_logprobs");
        ArrayNode tops = out.putArray("top_logprobs");
        ArrayNode offsetsOut = out.putArray("text_offset");
        int at = offset;
        for (TokenLogprob t : tokens) {
            names.add(t.token());
            values.add(t.logprob());
            ObjectNode top = tops.addObject();
            for (TokenLogprob.Alternative a : t.topLogprobs()) {
                if (!top.has(a.token())) { // two ids may spell the same text: the more probable is kept
                    top.put(a.token(), a.logprob());
                }
            }
            offsetsOut.add(at);
            at += t.token().length();
        }
        return out;
    }

    private ObjectNode head(String kind) {
        ObjectNode out = json.createObjectNode().put("id", id).put("object", kind).put("created", created).put("model", model);
        out.putNull("system_fingerprint");
        return out;
    }

    private ObjectNode usage(int prompt, int completion) {
        return json.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }
}
