package dev.loraforge.jobapi.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.contracts.inference.GenerateRequest;
import dev.loraforge.contracts.inference.GenerationEvent;
import dev.loraforge.jobapi.auth.CallerTenant;
import dev.loraforge.jobapi.client.InferenceClient;
import dev.loraforge.jobapi.mapping.CompletionObjects;
import dev.loraforge.jobapi.service.CompletionRequest;
import dev.loraforge.jobapi.service.CompletionValidator;
import dev.loraforge.jobapi.service.ModelResolver;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions} in OpenAI's shape. The caller's
 * {@code model} is resolved for its tenant ({@link ModelResolver}); the generation runs in
 * inference-service (the adapter applied per request on a base loaded once). With
 * {@code "stream": true} the answer is Server-Sent Events of OpenAI chunks ending with
 * {@code data: [DONE]}; every refusal (400, 404, 503) comes before the stream starts.
 */
@Path("/v1")
@Consumes(MediaType.APPLICATION_JSON)
@Produces({MediaType.APPLICATION_JSON, MediaType.SERVER_SENT_EVENTS})
public class CompletionsResource {

    private static final Logger LOG = Logger.getLogger(CompletionsResource.class);

    private final ModelResolver models;
    private final InferenceClient inference;
    private final CallerTenant caller;
    private final ObjectMapper json;

    public CompletionsResource(ModelResolver models, InferenceClient inference, CallerTenant caller, ObjectMapper json) {
        this.models = models;
        this.inference = inference;
        this.caller = caller;
        this.json = json;
    }

    @POST
    @Path("/chat/completions")
    public Response chat(JsonNode body) {
        return serve(CompletionValidator.chat(body), "chatcmpl-");
    }

    @POST
    @Path("/completions")
    public Response complete(JsonNode body) {
        return serve(CompletionValidator.completion(body), "cmpl-");
    }

    private Response serve(CompletionRequest request, String idPrefix) {
        ModelResolver.Resolved model = models.resolve(caller.id(), request.model());
        List<GenerateRequest.Message> messages = request.chat() ? request.messages().stream()
                .map(m -> new GenerateRequest.Message(m.get("role"), m.get("content"))).toList() : null;
        Map<String, Object> kwargs = request.chat() && request.chatTemplateKwargs() != null
                ? json.convertValue(request.chatTemplateKwargs(), new TypeReference<Map<String, Object>>() { }) : null;
        GenerateRequest generate = new GenerateRequest(model.baseDigest(), model.baseName(), model.adapterDigest(),
                messages, request.chat() ? null : request.prompt(), request.maxTokens(), request.temperature(),
                request.topP(), request.seed(), request.stop(), request.stream(), kwargs, request.n(), request.logprobs(),
                request.presencePenalty(), request.frequencyPenalty());
        CompletionObjects objects = new CompletionObjects(json, request.chat(),
                idPrefix + UUID.randomUUID().toString().replace("-", ""), request.model(), System.currentTimeMillis() / 1000);
        if (!request.stream()) {
            return Response.ok(objects.complete(inference.generate(generate, caller.id())), MediaType.APPLICATION_JSON).build();
        }
        Stream<GenerationEvent> events = inference.stream(generate, caller.id());
        StreamingOutput out = os -> relay(events, objects, request, os);
        return Response.ok(out, MediaType.SERVER_SENT_EVENTS).header("Cache-Control", "no-cache").build();
    }

    /**
     * inference-service's events as OpenAI chunks (each choice's chunks carry its index; with
     * {@code stream_options.include_usage} a last chunk holds the usage of all choices once every choice has ended);
     * closing the upstream early ends the generation.
     */
    private void relay(Stream<GenerationEvent> events, CompletionObjects objects, CompletionRequest request, OutputStream os) {
        try (events) {
            if (request.chat()) {
                for (int i = 0; i < request.n(); i++) {
                    send(os, objects.roleChunk(i).toString());
                }
            }
            int promptTokens = 0;
            int completionTokens = 0;
            int ended = 0;
            for (Iterator<GenerationEvent> it = events.iterator(); it.hasNext(); ) {
                GenerationEvent event = it.next();
                int index = event.index() == null ? 0 : event.index();
                switch (event.type()) {
                    case GenerationEvent.DELTA -> send(os, objects.textChunk(index, event.text() == null ? "" : event.text(),
                            event.logprobs()).toString());
                    case GenerationEvent.DONE -> {
                        send(os, objects.finishChunk(index, event.finishReason()).toString());
                        promptTokens = event.promptTokens() == null ? 0 : event.promptTokens();
                        completionTokens += event.completionTokens() == null ? 0 : event.completionTokens();
                        if (++ended == request.n() && request.includeUsage()) {
                            send(os, objects.usageChunk(promptTokens, completionTokens).toString());
                        }
                    }
                    case GenerationEvent.ERROR -> send(os, json.createObjectNode().set("error", json.createObjectNode()
                            .put("message", "The generation failed: " + event.message())
                            .put("type", "server_error").putNull("param").put("code", event.code()))
                            .toString());
                    default -> LOG.debugf("ignored inference event %s", event);
                }
            }
            send(os, "[DONE]");
        } catch (UncheckedIOException e) {
            LOG.debugf("completion stream ended early: %s", e.getMessage());
        }
    }

    private static void send(OutputStream os, String data) {
        try {
            os.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            os.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
