package dev.loraforge.jobapi.mapping;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.contracts.inference.Generation;
import dev.loraforge.contracts.inference.GenerationEvent;

/**
 * OpenAI's completion objects, built from inference-service's answers: {@code chat.completion},
 * {@code chat.completion.chunk}, {@code text_completion} (whole and streamed) with {@code usage}.
 */
public final class CompletionObjects {

    private final ObjectMapper json;
    private final String id;
    private final String object;
    private final long created;
    private final String model;
    private final boolean chat;

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
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        if (chat) {
            choice.putObject("message").put("role", "assistant").put("content", generated.text())
                    .putNull("refusal");
        } else {
            choice.put("text", generated.text());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", generated.finishReason());
        out.set("usage", usage(generated.promptTokens(), generated.completionTokens()));
        return out;
    }

    /** The first chunk of a chat stream: the assistant role, no content yet (text streams have none). */
    public ObjectNode roleChunk() {
        ObjectNode out = head("chat.completion.chunk");
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        choice.putObject("delta").put("role", "assistant").put("content", "");
        choice.putNull("logprobs").putNull("finish_reason");
        return out;
    }

    /** A chunk carrying a piece of text. */
    public ObjectNode textChunk(String text) {
        ObjectNode out = head(chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        if (chat) {
            choice.putObject("delta").put("content", text);
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs").putNull("finish_reason");
        return out;
    }

    /** The chunk that ends the choice, with its finish reason. */
    public ObjectNode finishChunk(String finishReason) {
        ObjectNode out = head(chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        if (chat) {
            choice.putObject("delta");
        } else {
            choice.put("text", "");
        }
        choice.putNull("logprobs").put("finish_reason", finishReason);
        return out;
    }

    /** With {@code stream_options.include_usage}: a last chunk with no choices and the usage. */
    public ObjectNode usageChunk(GenerationEvent done) {
        ObjectNode out = head(chat ? "chat.completion.chunk" : "text_completion");
        out.putArray("choices");
        out.set("usage", usage(done.promptTokens() == null ? 0 : done.promptTokens(),
                done.completionTokens() == null ? 0 : done.completionTokens()));
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
