package dev.loraforge.jobapi.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        ObjectNode generate = json.createObjectNode().put("base_digest", model.baseDigest()).put("base_model", model.baseName())
                .put("adapter_digest", model.adapterDigest()).put("max_tokens", request.maxTokens());
        if (request.chat()) {
            generate.set("messages", json.valueToTree(request.messages()));
            if (request.chatTemplateKwargs() != null) {
                generate.set("chat_template_kwargs", request.chatTemplateKwargs());
            }
        } else {
            generate.put("prompt", request.prompt());
        }
        if (request.temperature() != null) {
            generate.put("temperature", request.temperature());
        }
        if (request.topP() != null) {
            generate.put("top_p", request.topP());
        }
        if (request.seed() != null) {
            generate.put("seed", request.seed());
        }
        generate.set("stop", json.valueToTree(request.stop()));
        CompletionObjects objects = new CompletionObjects(json, request.chat(),
                idPrefix + UUID.randomUUID().toString().replace("-", ""), request.model(), System.currentTimeMillis() / 1000);
        if (!request.stream()) {
            return Response.ok(objects.complete(inference.generate(generate)), MediaType.APPLICATION_JSON).build();
        }
        Stream<String> events = inference.stream(generate);
        StreamingOutput out = os -> relay(events, objects, request, os);
        return Response.ok(out, MediaType.SERVER_SENT_EVENTS).header("Cache-Control", "no-cache").build();
    }

    /** inference-service's events as OpenAI chunks; closing the upstream early ends the generation. */
    private void relay(Stream<String> events, CompletionObjects objects, CompletionRequest request, OutputStream os) {
        try (events) {
            if (request.chat()) {
                send(os, objects.roleChunk().toString());
            }
            for (Iterator<String> it = events.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (!line.startsWith("data:")) {
                    continue;
                }
                JsonNode event = json.readTree(line.substring(5).trim());
                switch (event.path("type").asText()) {
                    case "delta" -> send(os, objects.textChunk(event.path("text").asText()).toString());
                    case "done" -> {
                        send(os, objects.finishChunk(event.path("finish_reason").asText()).toString());
                        if (request.includeUsage()) {
                            send(os, objects.usageChunk(event).toString());
                        }
                    }
                    case "error" -> send(os, json.createObjectNode().set("error", json.createObjectNode()
                            .put("message", "The generation failed: " + event.path("message").asText())
                            .put("type", "server_error").putNull("param").put("code", event.path("code").asText(null)))
                            .toString());
                    default -> LOG.debugf("ignored inference event %s", line);
                }
            }
            send(os, "[DONE]");
        } catch (UncheckedIOException | IOException e) {
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
