package dev.loraforge.contracts;

import java.io.InputStream;

/**
 * A streamed download as a caller received it, with the framing it must pass on: {@code status} 200 (the whole
 * representation, {@code length} bytes), 206 (the range {@code contentRange} of it) or 416 (no body;
 * {@code contentRange} is {@code bytes *}{@code /total}). See {@link ByteRange}.
 */
public record RangedStream(int status, long length, String contentRange, InputStream body) {
}
