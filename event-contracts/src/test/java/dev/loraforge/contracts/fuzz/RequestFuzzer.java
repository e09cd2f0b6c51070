package dev.loraforge.contracts.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seeded request mutation for the fuzz test: from a route's valid request, ids replaced by known ones, unknown ones
 * or hostile strings (NUL, invalid UTF-8, bad percent escapes, traversal, very long); query values likewise; JSON
 * bodies with values swapped for other types, removed, added, nested deeply or made huge; raw bodies that are not
 * JSON, are truncated, carry invalid UTF-8 or come with the wrong content type; multipart bodies with broken framing.
 * The same seed gives the same requests.
 */
public final class RequestFuzzer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern PARAM = Pattern.compile("\\{(\\w+)}");

    /** Raw (already percent-encoded) path segments and query values that no valid request has. */
    private static final List<String> HOSTILE_RAW = List.of("", "%00", "a%00b", "%ZZ", "%C3%28", "%FF%FE", "%E2%82",
            "..", "%2E%2E%2Fetc%2Fpasswd", "%2F", "x%20y", "%F0%9F%98%80", "%0D%0AX-Injected:%201", "%7B%7D",
            "null", "-1", "0", "99999999999999999999", "1e309", "NaN", "%25", "%27%20OR%201%3D1%20--", "%24%7Bjndi%7D");

    /** Strings for JSON values and decoded query values. */
    private static final List<String> HOSTILE_STRINGS = List.of("", " ", "\u0000", "a\u0000b", "\u0007bell", "\uD800",
            "\uFFFF", "é漢字😀", "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:ldap://x/a}",
            "-1", "0", "1e309", "auto", "null", "true", "ft:tiny-llama:x:y:z", "file-", "ftjob-", "http://[::1]:80/",
            "\t\r\n", "\\", "\"", "%00");

    /**
     * A route: method, path template, the query parameters it reads ({@code name}, or {@code name=valid value}, which
     * may be a {@code {known}} placeholder, sent often so that valid requests get through), the headers it reads (name to a valid value,
     * which may be a {@code {known}} placeholder) and its body: a JSON template, multipart (a training file upload),
     * raw bytes of {@code rawContentType}, or none.
     */
    public record Route(String method, String path, List<String> query, String jsonBody, boolean multipart,
                        boolean refusalsOnly, Map<String, String> headers, String rawContentType) {
        public static Route of(String method, String path, List<String> query, String jsonBody) {
            return new Route(method, path, query, jsonBody, false, false, Map.of(), null);
        }

        public static Route multipart(String method, String path) {
            return new Route(method, path, List.of(), null, true, false, Map.of(), null);
        }

        /** A route whose valid requests do not end (a live stream): only invalid ids are sent. */
        public static Route refusalsOnly(String method, String path, List<String> query) {
            return new Route(method, path, query, null, false, true, Map.of(), null);
        }

        /** A route whose body is bytes of {@code contentType} (a blob upload). */
        public static Route raw(String method, String path, String contentType) {
            return new Route(method, path, List.of(), null, false, false, Map.of(), contentType);
        }

        /** The same route, also sending these headers (values mutated like query values, never with CR or LF). */
        public Route withHeaders(Map<String, String> newHeaders) {
            return new Route(method, path, query, jsonBody, multipart, refusalsOnly, Map.copyOf(newHeaders), rawContentType);
        }
    }

    /** One request: its raw path and query (percent-encoded as sent), headers, content type and body bytes. */
    public record FuzzRequest(Route route, String rawPathAndQuery, Map<String, String> headers, String contentType,
                              byte[] body, String mutation) {
        @Override
        public String toString() {
            String shown = body == null ? "" : new String(body, 0, Math.min(body.length, 240), StandardCharsets.UTF_8)
                    + (body.length > 240 ? "...(" + body.length + " bytes)" : "");
            return route.method() + " " + (rawPathAndQuery.length() > 200 ? rawPathAndQuery.substring(0, 200) + "..."
                    : rawPathAndQuery) + " [" + mutation + "] " + contentType + " " + shown.replace("\u0000", "\\0");
        }
    }

    private final Random random;
    private final Map<String, List<String>> known;
    private final List<Route> routes;

    /**
     * {@code known}: values of the {@code {name}} placeholders that exist (ids, names), so that requests get past the
     * lookups; {@code routes}: every route of the API under test.
     */
    public RequestFuzzer(Random random, Map<String, List<String>> known, List<Route> routes) {
        this.random = random;
        this.known = known;
        this.routes = routes;
    }

    public FuzzRequest next() {
        Route route = routes.get(random.nextInt(routes.size()));
        List<String> mutations = new ArrayList<>();
        String path = path(route, mutations);
        String query = query(route, mutations);
        String contentType = null;
        byte[] body = null;
        if (route.multipart()) {
            String boundary = "fz" + Long.toHexString(random.nextLong());
            contentType = "multipart/form-data; boundary=" + boundary;
            body = multipart(boundary, mutations);
            contentType = multipartContentType(contentType, boundary, mutations);
        } else if (route.jsonBody() != null) {
            contentType = "application/json";
            body = jsonBody(route.jsonBody(), mutations);
            contentType = jsonContentType(contentType, mutations);
        } else if (route.rawContentType() != null) {
            contentType = random.nextInt(8) == 0 ? "application/json" : route.rawContentType();
            body = rawBytes(mutations);
        } else if (random.nextInt(10) == 0) {
            contentType = "application/json";
            body = "{\"unexpected\":true}".getBytes(StandardCharsets.UTF_8);
            mutations.add("body where none is read");
        }
        return new FuzzRequest(route, path + query, headers(route, mutations), contentType, body,
                String.join(", ", mutations));
    }

    private Map<String, String> headers(Route route, List<String> mutations) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, String> h : route.headers().entrySet()) {
            int pick = random.nextInt(6);
            if (pick == 0) {
                mutations.add("no " + h.getKey());
                continue;
            }
            String value = fill(h.getValue());
            if (pick == 1) {
                value = oneOf(HOSTILE_STRINGS).replaceAll("[\\x00-\\x1f\\x7f]", "?");
                mutations.add(h.getKey() + " hostile");
            } else if (pick == 2) {
                value = "x".repeat(1 + random.nextInt(3000));
                mutations.add(h.getKey() + " long");
            }
            out.put(h.getKey(), value);
        }
        return out;
    }

    private byte[] rawBytes(List<String> mutations) {
        int size = switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> 1 + random.nextInt(16);
            case 2 -> random.nextInt(4096);
            default -> random.nextInt(256 * 1024);
        };
        mutations.add(size + " raw bytes");
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    /** {@code template} with each {@code {name}} replaced by a known value. */
    private String fill(String template) {
        Matcher m = PARAM.matcher(template);
        StringBuilder filled = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(filled, Matcher.quoteReplacement(oneOf(known.getOrDefault(m.group(1), List.of("x")))));
        }
        m.appendTail(filled);
        return filled.toString();
    }

    private String path(Route route, List<String> mutations) {
        Matcher m = PARAM.matcher(route.path());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value;
            int pick = random.nextInt(10);
            if (!route.refusalsOnly() && pick < 5) {
                value = encode(oneOf(known.getOrDefault(name, List.of("unknown"))));
            } else if (pick < 7) {
                value = encode(oneOf(HOSTILE_STRINGS));
                mutations.add(name + " hostile");
            } else if (pick < 9) {
                value = oneOf(HOSTILE_RAW);
                mutations.add(name + " raw " + value);
            } else {
                value = "x".repeat(1 + random.nextInt(3000));
                mutations.add(name + " long " + value.length());
            }
            if (route.refusalsOnly() && known.getOrDefault(name, List.of()).contains(value)) {
                value = "missing";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String query(Route route, List<String> mutations) {
        List<String> pairs = new ArrayList<>();
        for (String spec : route.query()) {
            int eq = spec.indexOf('=');
            String name = eq < 0 ? spec : spec.substring(0, eq);
            int pick = random.nextInt(8);
            if (eq >= 0 && pick >= 2 && pick <= 4) {
                pairs.add(encode(name) + "=" + encode(fill(spec.substring(eq + 1)))); // its valid value
                continue;
            }
            if (pick < 3) {
                continue;
            }
            String value = switch (pick) {
                case 3 -> encode(name.equals("limit") ? String.valueOf(1 + random.nextInt(100))
                        : name.equals("after") ? oneOf(known.getOrDefault("jobId", List.of("x"))) : "fuzz");
                case 4, 5 -> encode(oneOf(HOSTILE_STRINGS));
                case 6 -> oneOf(HOSTILE_RAW);
                default -> "9".repeat(1 + random.nextInt(40));
            };
            pairs.add(encode(name) + "=" + value);
            mutations.add("query " + name);
        }
        if (random.nextInt(12) == 0) {
            pairs.add(oneOf(HOSTILE_RAW) + "=" + oneOf(HOSTILE_RAW));
            mutations.add("hostile query name");
        }
        return pairs.isEmpty() ? "" : "?" + String.join("&", pairs);
    }

    private byte[] jsonBody(String template, List<String> mutations) {
        String valid = fill(template);
        int pick = random.nextInt(20);
        if (pick < 3) {
            return valid.getBytes(StandardCharsets.UTF_8);
        }
        if (pick < 6) {
            mutations.add("raw body");
            return rawBody(valid);
        }
        JsonNode tree = parse(valid);
        int edits = 1 + random.nextInt(3);
        for (int i = 0; i < edits; i++) {
            tree = mutate(tree, mutations, 0);
        }
        return write(tree);
    }

    private byte[] rawBody(String valid) {
        byte[] bytes = valid.getBytes(StandardCharsets.UTF_8);
        return switch (random.nextInt(14)) {
            case 0 -> new byte[0];
            case 1 -> java.util.Arrays.copyOf(bytes, random.nextInt(Math.max(1, bytes.length)));
            case 2 -> "[]".getBytes(StandardCharsets.UTF_8);
            case 3 -> "null".getBytes(StandardCharsets.UTF_8);
            case 4 -> (valid + " x").getBytes(StandardCharsets.UTF_8);
            case 5 -> valid.replaceFirst("\":\"", "\":\"\u0000").getBytes(StandardCharsets.UTF_8); // raw NUL in a string
            case 6 -> withInvalidUtf8(bytes);
            case 7 -> ("\uFEFF" + valid).getBytes(StandardCharsets.UTF_8);
            case 8 -> valid.getBytes(StandardCharsets.UTF_16);
            case 9 -> "[".repeat(5000).getBytes(StandardCharsets.UTF_8);
            case 10 -> ("{\"a\":" + "9".repeat(2000) + "}").getBytes(StandardCharsets.UTF_8);
            case 11 -> valid.replaceFirst("\\{", "{\"model\":1,").getBytes(StandardCharsets.UTF_8); // duplicate key
            case 12 -> ("{\"x\":\"" + "y".repeat(1 + random.nextInt(2_000_000)) + "\"}").getBytes(StandardCharsets.UTF_8);
            default -> "not json at all".getBytes(StandardCharsets.UTF_8);
        };
    }

    private byte[] withInvalidUtf8(byte[] valid) {
        String s = new String(valid, StandardCharsets.UTF_8);
        int quote = s.indexOf("\":\"");
        if (quote < 0) {
            return new byte[] {(byte) 0xC3, 0x28};
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] head = s.substring(0, quote + 3).getBytes(StandardCharsets.UTF_8);
        out.write(head, 0, head.length);
        out.write(0xFF);
        out.write(0xC3);
        out.write(0x28);
        byte[] tail = s.substring(quote + 3).getBytes(StandardCharsets.UTF_8);
        out.write(tail, 0, tail.length);
        return out.toByteArray();
    }

    /** One edit somewhere in {@code node}: a value replaced, a member removed or added. */
    private JsonNode mutate(JsonNode node, List<String> mutations, int depth) {
        if (node instanceof ObjectNode object && object.size() > 0) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            String name = oneOf(names);
            int pick = random.nextInt(10);
            if (pick < 5 && depth < 4 && (object.get(name).isContainerNode())) {
                object.set(name, mutate(object.get(name), mutations, depth + 1));
            } else if (pick < 8) {
                object.set(name, replacement(mutations, name));
            } else if (pick < 9) {
                object.remove(name);
                mutations.add("removed " + name);
            } else {
                String added = random.nextBoolean() ? "unknown_" + random.nextInt(100) : oneOf(HOSTILE_STRINGS);
                object.set(added, replacement(mutations, added));
            }
            return object;
        }
        if (node instanceof ArrayNode array && array.size() > 0) {
            int i = random.nextInt(array.size());
            if (depth < 4 && array.get(i).isContainerNode() && random.nextBoolean()) {
                array.set(i, mutate(array.get(i), mutations, depth + 1));
            } else {
                array.set(i, replacement(mutations, "[" + i + "]"));
            }
            return array;
        }
        return replacement(mutations, "value");
    }

    private JsonNode replacement(List<String> mutations, String where) {
        int pick = random.nextInt(16);
        mutations.add(where + " -> kind " + pick);
        return switch (pick) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(-1);
            case 3 -> NODES.numberNode(1.5);
            case 4 -> NODES.numberNode(new java.math.BigInteger("9".repeat(1 + random.nextInt(30))));
            case 5 -> NODES.numberNode(new java.math.BigDecimal("1e309"));
            case 6 -> NODES.textNode(oneOf(HOSTILE_STRINGS));
            case 7 -> NODES.textNode("x".repeat(1 + random.nextInt(20_000)));
            case 8 -> NODES.arrayNode();
            case 9 -> NODES.arrayNode().add(NODES.nullNode()).add(1).add("s");
            case 10 -> NODES.objectNode();
            case 11 -> NODES.objectNode().put("\u0000", oneOf(HOSTILE_STRINGS));
            case 12 -> nested(50 + random.nextInt(900));
            case 13 -> NODES.numberNode(0);
            case 14 -> NODES.numberNode(Long.MIN_VALUE);
            default -> NODES.textNode(String.valueOf(random.nextInt(5000) - 100));
        };
    }

    private static JsonNode nested(int depth) {
        JsonNode node = NODES.textNode("deep");
        for (int i = 0; i < depth; i++) {
            node = i % 2 == 0 ? NODES.arrayNode().add(node) : NODES.objectNode().set("a", node);
        }
        return node;
    }

    private String jsonContentType(String contentType, List<String> mutations) {
        return switch (random.nextInt(16)) {
            case 0 -> {
                mutations.add("no content type");
                yield null;
            }
            case 1 -> {
                mutations.add("text/plain");
                yield "text/plain";
            }
            case 2 -> {
                mutations.add("latin-1");
                yield "application/json; charset=ISO-8859-1";
            }
            case 3 -> {
                mutations.add("bad content type");
                yield "application/json; charset=nonsense; ;;";
            }
            case 4 -> {
                mutations.add("multipart");
                yield "multipart/form-data; boundary=x";
            }
            default -> contentType;
        };
    }

    private byte[] multipart(String boundary, List<String> mutations) {
        String purpose = random.nextInt(4) == 0 ? oneOf(HOSTILE_STRINGS) : "fine-tune";
        String filename = switch (random.nextInt(8)) {
            case 0 -> null;
            case 1 -> "x".repeat(5000) + ".jsonl";
            case 2 -> "../../" + oneOf(HOSTILE_STRINGS);
            case 3 -> "";
            default -> "train.jsonl";
        };
        byte[] content = switch (random.nextInt(9)) {
            case 0 -> new byte[0];
            case 1 -> new byte[] {(byte) 0xFF, (byte) 0xC3, 0x28, '\n'};
            case 2 -> "{\"text\":\"a\u0000b\"}\n".getBytes(StandardCharsets.UTF_8);
            case 3 -> "not json\n".getBytes(StandardCharsets.UTF_8);
            case 4 -> ("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\""
                    + "y".repeat(random.nextInt(100_000)) + "\"}]}\n").getBytes(StandardCharsets.UTF_8);
            case 5 -> "{\"text\":\"hello\"}".getBytes(StandardCharsets.UTF_8);
            default -> "{\"text\":\"hello\"}\n{\"text\":\"again\"}\n".getBytes(StandardCharsets.UTF_8);
        };
        mutations.add("multipart purpose=" + purpose.length() + " filename=" + (filename == null ? "none" : filename.length()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean purposeFirst = random.nextBoolean();
        if (purposeFirst && random.nextInt(8) != 0) {
            part(out, boundary, "purpose", null, purpose.getBytes(StandardCharsets.UTF_8));
        }
        if (random.nextInt(8) != 0) {
            part(out, boundary, "file", filename, content);
        } else {
            mutations.add("no file part");
        }
        if (random.nextInt(10) == 0) {
            part(out, boundary, "file", "second.jsonl", content);
            mutations.add("two file parts");
        }
        if (!purposeFirst && random.nextInt(8) != 0) {
            part(out, boundary, "purpose", null, purpose.getBytes(StandardCharsets.UTF_8));
        }
        write(out, "--" + boundary + "--\r\n");
        byte[] bytes = out.toByteArray();
        return switch (random.nextInt(10)) {
            case 0 -> {
                mutations.add("truncated multipart");
                yield java.util.Arrays.copyOf(bytes, random.nextInt(Math.max(1, bytes.length)));
            }
            case 1 -> {
                mutations.add("empty multipart");
                yield new byte[0];
            }
            default -> bytes;
        };
    }

    private String multipartContentType(String contentType, String boundary, List<String> mutations) {
        return switch (random.nextInt(12)) {
            case 0 -> {
                mutations.add("wrong boundary");
                yield "multipart/form-data; boundary=other" + boundary;
            }
            case 1 -> {
                mutations.add("no boundary");
                yield "multipart/form-data";
            }
            case 2 -> {
                mutations.add("json content type on multipart");
                yield "application/json";
            }
            case 3 -> {
                mutations.add("no content type");
                yield null;
            }
            default -> contentType;
        };
    }

    private static void part(ByteArrayOutputStream out, String boundary, String name, String filename, byte[] content) {
        write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (filename == null ? "" : "; filename=\"" + filename.replace("\"", "") + "\"") + "\r\n"
                + (filename == null ? "" : "Content-Type: application/jsonl\r\n") + "\r\n");
        out.write(content, 0, content.length);
        write(out, "\r\n");
    }

    private static void write(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
    }

    private <T> T oneOf(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private static String encode(String s) {
        // lone surrogates cannot be encoded as UTF-8; URLEncoder writes '?' for them, as a client library would
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] write(JsonNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
