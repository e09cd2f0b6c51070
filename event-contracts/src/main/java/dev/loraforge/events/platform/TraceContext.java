package dev.loraforge.events.platform;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.smallrye.reactive.messaging.TracingMetadata;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * A job's trace context as the W3C {@code traceparent} text ({@code 00-<32 hex trace id>-<16 hex span id>-<flags>}),
 * kept with work that leaves the thread it was accepted on: a job row (its dispatches), an outbox row, a queued
 * attempt, a webhook delivery. Kafka records carry it in their {@code traceparent} header (SmallRye's Kafka tracing
 * writes it from the context a message names, see {@link #continuing}); so one job's create, dispatch, training,
 * outcome and webhook share one trace id.
 */
public final class TraceContext {

    public static final String HEADER = "traceparent";
    private static final Pattern TRACEPARENT = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private TraceContext() {
    }

    /** The current span's {@code traceparent}, or null when no trace is current. */
    public static String current() {
        return of(Context.current());
    }

    /** The {@code traceparent} of a context's span, or null when it has none. */
    public static String of(Context context) {
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(context, carrier, Map::put);
        return carrier.get(HEADER);
    }

    /** A context whose (remote) span is the one {@code traceparent} names; the root context for null or a malformed one. */
    public static Context parse(String traceparent) {
        if (traceparent == null || !TRACEPARENT.matcher(traceparent).matches()) {
            return Context.root();
        }
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), Map.of(HEADER, traceparent), MAP);
    }

    /** The trace id a {@code traceparent} names, or null. */
    public static String traceId(String traceparent) {
        SpanContext span = Span.fromContext(parse(traceparent)).getSpanContext();
        return span.isValid() ? span.getTraceId() : null;
    }

    /**
     * The message, to be sent as part of the trace {@code traceparent} names: SmallRye's Kafka tracing starts its
     * publish span under it and writes that span into the record's {@code traceparent} header. Without one (null or
     * malformed), the message is sent under whatever context is current.
     */
    public static <T> Message<T> continuing(Message<T> message, String traceparent) {
        Context parent = parse(traceparent);
        if (!Span.fromContext(parent).getSpanContext().isValid()) {
            return message;
        }
        return message.addMetadata(TracingMetadata.withCurrent(parent));
    }
}
