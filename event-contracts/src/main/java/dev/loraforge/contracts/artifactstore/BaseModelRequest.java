package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Body of {@code POST /api/v1/base-models}.
 *
 * @param name a unique name: letters, digits, '.', '_' and '-' (no '/' or ':')
 * @param path absolute path of a Hugging Face model directory on the artifact-store's machine
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BaseModelRequest(String name, String path) {
}
