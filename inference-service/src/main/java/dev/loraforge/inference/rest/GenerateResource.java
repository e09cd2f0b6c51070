package dev.loraforge.inference.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.contracts.inference.GenerateRequest;
import dev.loraforge.contracts.inference.Generation;
import dev.loraforge.contracts.inference.GenerationEvent;
import dev.loraforge.contracts.inference.TokenLogprob;
import dev.loraforge.engine.data.ChatMessage;
import dev.loraforge.inference.service.GenerationRequest;
import dev.loraforge.inference.service.GenerationResult;
import dev.loraforge.inference.service.GenerationService;
import dev.loraforge.inference.service.InferenceException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import jakarta.ws.rs.HeaderParam;
import org.jboss.logging.Logger;

/**
 * {@code POST /internal/v1/generate}: the internal generation API job-api calls (not for tenants;
 * the public, OpenAI-shaped API is job-api's {@code /v1/chat/completions} and {@code /v1/completions}).
 * Answers {@code {"choices":[{"index","text","finish_reason","completion_tokens"}],"prompt_tokens","completion_tokens"}},
 * or with
 * {@code "stream": true} Server-Sent Events: {@code {"type":"delta","text"}} per piece of text, then
 * {@code {"type":"done","finish_reason","prompt_tokens","completion_tokens"}} (or
 * {@code {"type":"error","code","message"}} when generation fails midway), each with the choice's {@code index}
 * (n choices, their events interleaved) and, with {@code logprobs}, the tokens' log-probabilities
 * (event-contracts' {@code GenerationEvent}). Errors before generation are {@code application/problem+json} with a
 * {@code code}.
 */
@Path(Generation.PATH)
public class GenerateResource {

    private static final Logger LOG = Logger.getLogger(GenerateResource.class);
    static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    static final Set<String> ROLES = Set.of(ChatMessage.SYSTEM, ChatMessage.USER, ChatMessage.ASSISTANT);
    static final int DEFAULT_MAX_TOKENS = 256;
    static final int MAX_STOPS = 4;

    private final GenerationService generation;
    private final ObjectMapper json;

    public GenerateResource(GenerationService generation, ObjectMapper json) {
        this.generation = generation;
        this.json = json;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, MediaType.SERVER_SENT_EVENTS})
    public Response generate(GenerateRequest body, @HeaderParam(TENANT_HEADER) String tenant) {
        GenerationRequest request = toRequest(body, tenant(tenant));
        GenerationService.Generation run = generation.prepare(request);
        if (!Boolean.TRUE.equals(body.stream())) {
            try (run) {
                GenerationResult result = run.run(GenerationService.DISCARD);
                return Response.ok(new Generation(result.choices().stream().map(c -> new Generation.Choice(c.index(),
                                c.text(), c.finishReason(), c.completionTokens(), c.logprobs())).toList(),
                        result.promptTokens(), result.completionTokens()), MediaType.APPLICATION_JSON).build();
            }
        }
        int promptTokens = run.promptTokens();
        StreamingOutput events = out -> {
            try (run) {
                run.run(new GenerationService.Sink() {
                    @Override
                    public void delta(int index, String text, List<TokenLogprob> logprobs) {
                        send(out, GenerationEvent.delta(index, text, logprobs));
                    }

                    @Override
                    public void done(int index, String finishReason, int completionTokens) {
                        send(out, GenerationEvent.done(index, finishReason, promptTokens, completionTokens));
                    }
                });
            } catch (UncheckedIOException e) {
                LOG.debugf("stream ended by the client: %s", e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("generation failed while streaming", e);
                String code = e instanceof InferenceException ie ? ie.code() : "internal_error";
                send(out, GenerationEvent.error(code, String.valueOf(e.getMessage())));
            }
        };
        return Response.ok(events, MediaType.SERVER_SENT_EVENTS).header("Cache-Control", "no-cache").build();
    }

    private void send(OutputStream out, GenerationEvent event) {
        try {
            out.write(("data: " + json.writeValueAsString(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }


    /** chat_template_kwargs: at most 16 variables with template-variable names the renderer does not set itself. */
    static java.util.Map<String, Object> templateKwargs(java.util.Map<String, Object> kwargs, boolean chat) {
        if (kwargs == null || kwargs.isEmpty()) {
            return java.util.Map.of();
        }
        if (!chat) {
            throw InferenceException.invalid("chat_template_kwargs", "chat_template_kwargs applies to chat messages only");
        }
        if (kwargs.size() > 16) {
            throw InferenceException.invalid("chat_template_kwargs", "chat_template_kwargs takes at most 16 variables");
        }
        for (String name : kwargs.keySet()) {
            String problem = dev.loraforge.engine.data.TemplateVariables.problem(name);
            if (problem != null) {
                throw InferenceException.invalid("chat_template_kwargs", "chat_template_kwargs key '" + name + "' " + problem);
            }
        }
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(kwargs));
    }

    /** The header naming the tenant a call is made for (job-api sends it); models are read as that tenant. */
    static final String TENANT_HEADER = dev.loraforge.contracts.artifactstore.BlobTransfer.TENANT_HEADER;
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** The tenant header's value, checked; null when absent. */
    static String tenant(String header) {
        if (header == null) {
            return null;
        }
        if (!TENANT.matcher(header).matches()) {
            throw InferenceException.invalid(TENANT_HEADER, TENANT_HEADER + " must be 1 to 128 letters, digits, '.', '_', ':'"
                    + " or '-'; leave it out for shared models only");
        }
        return header;
    }

    static GenerationRequest toRequest(GenerateRequest b, String tenant) {
        if (b == null) {
            throw InferenceException.invalid(null, "a JSON body is required");
        }
        if (b.baseDigest() == null || !DIGEST.matcher(b.baseDigest()).matches()) {
            throw InferenceException.invalid("base_digest", "base_digest must be sha256:<64 hex digits>, got " + b.baseDigest());
        }
        if (b.adapterDigest() != null && !DIGEST.matcher(b.adapterDigest()).matches()) {
            throw InferenceException.invalid("adapter_digest", "adapter_digest must be sha256:<64 hex digits> or null, got "
                    + b.adapterDigest());
        }
        List<ChatMessage> messages = null;
        if (b.messages() != null) {
            messages = new ArrayList<>();
            for (int i = 0; i < b.messages().size(); i++) {
                GenerateRequest.Message m = b.messages().get(i);
                if (m == null || m.role() == null || !ROLES.contains(m.role())) {
                    throw InferenceException.invalid("messages[" + i + "].role", "messages[" + i + "].role must be one of "
                            + ROLES + ", got " + (m == null ? null : m.role()));
                }
                if (m.content() == null) {
                    throw InferenceException.invalid("messages[" + i + "].content", "messages[" + i + "].content is required");
                }
                messages.add(new ChatMessage(m.role(), m.content(), false));
            }
        }
        List<String> stop = b.stop() == null ? List.of() : b.stop();
        if (stop.size() > MAX_STOPS || stop.stream().anyMatch(s -> s == null)) {
            throw InferenceException.invalid("stop", "stop takes up to " + MAX_STOPS + " strings");
        }
        return new GenerationRequest(b.baseDigest(), b.baseModel(), b.adapterDigest(), messages, b.prompt(),
                b.maxTokens() == null ? DEFAULT_MAX_TOKENS : b.maxTokens(),
                b.temperature() == null ? 1.0 : b.temperature(), b.topP() == null ? 1.0 : b.topP(),
                b.seed() == null ? ThreadLocalRandom.current().nextLong() : b.seed(), List.copyOf(stop),
                templateKwargs(b.chatTemplateKwargs(), messages != null), tenant, b.n() == null ? 1 : b.n(),
                b.logprobs() == null ? -1 : b.logprobs(), b.presencePenalty() == null ? 0 : b.presencePenalty(),
                b.frequencyPenalty() == null ? 0 : b.frequencyPenalty());
    }
}
