package dev.loraforge.contracts.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Sends a fuzzer's requests to a service and judges every answer: never a 5xx, and every 4xx in the error shape of
 * its API ({@link Judge}). A request target that is not a URI at all ({@code %ZZ}) is refused by Quarkus' HTTP server
 * with a bare 400 before any application code runs, and no HTTP client sends one: that answer is accepted as it is.
 */
public final class FuzzRun {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Null when an answer to a request is acceptable, else what is wrong with it (status below 500 already checked). */
    @FunctionalInterface
    public interface Judge {
        String problem(RequestFuzzer.FuzzRequest request, int status, String contentType, JsonNode body);
    }

    /** What went wrong (each with the request that caused it) and how often each route answered each status. */
    public record Result(List<String> failures, Map<String, Integer> statuses) {
        /** Routes that answered 2xx at least once: the fuzz got past validation there. */
        public long routesServed() {
            return statuses.keySet().stream().filter(k -> k.matches(".* 2\\d\\d")).map(k -> k.replaceFirst(" \\d+$", ""))
                    .distinct().count();
        }
    }

    private FuzzRun() {
    }

    /** {@code count} requests of {@code fuzzer} to 127.0.0.1:{@code port}, each with {@code auth}'s headers. */
    public static Result run(int port, RequestFuzzer fuzzer, int count,
                             Function<RequestFuzzer.FuzzRequest, Map<String, String>> auth, Judge judge) {
        List<String> failures = new ArrayList<>();
        Map<String, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            RequestFuzzer.FuzzRequest request = fuzzer.next();
            Map<String, String> headers = new LinkedHashMap<>(auth.apply(request));
            headers.putAll(request.headers());
            if (request.contentType() != null) {
                headers.put("Content-Type", request.contentType());
            }
            RawHttp.Answer answer;
            try {
                answer = RawHttp.send(port, request.route().method(), request.rawPathAndQuery(), headers, request.body());
            } catch (IOException | RuntimeException e) {
                failures.add("#" + i + " " + request + " -> no answer: " + e);
                continue;
            }
            int status = answer.status();
            statuses.merge(request.route().method() + " " + request.route().path() + " " + status, 1, Integer::sum);
            String body = new String(answer.body(), StandardCharsets.UTF_8);
            String problem = judge(request, status, answer.contentType(), body, judge);
            if (problem != null) {
                failures.add("#" + i + " " + request + " -> " + status + " " + answer.contentType() + " "
                        + (body.length() <= 300 ? body : body.substring(0, 300) + "...") + ": " + problem);
            }
        }
        return new Result(failures, statuses);
    }

    private static String judge(RequestFuzzer.FuzzRequest request, int status, String contentType, String body, Judge judge) {
        if (status >= 500) {
            return "a 5xx";
        }
        if (status < 400 || request.route().method().equals("HEAD")) {
            return null;
        }
        if (status == 400 && body.isEmpty() && !validUri(request.rawPathAndQuery())) {
            return null;
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            return "a " + status + " whose body is not JSON";
        }
        if (json == null) {
            return "a " + status + " with an empty body";
        }
        return judge.problem(request, status, contentType, json);
    }

    /**
     * An internal service's fuzz in one call: {@code -Dfuzz.internal-requests} (default {@code defaultCount}) requests
     * seeded by {@code -Dfuzz.seed} to this Quarkus test's port, each with {@code authorization}; every 4xx must be a
     * problem. Prints how each route answered and asserts that nothing failed.
     */
    public static Result internalApi(Map<String, List<String>> known, List<RequestFuzzer.Route> routes, int defaultCount,
                                     java.util.function.Supplier<String> authorization) {
        long seed = Long.getLong("fuzz.seed", 20261206L);
        int count = Integer.getInteger("fuzz.internal-requests", defaultCount);
        int port = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        Result result = run(port, new RequestFuzzer(new java.util.Random(seed), known, routes), count,
                request -> Map.of("Authorization", authorization.get()),
                (request, status, contentType, json) -> problemDetails(status, contentType, json));
        result.statuses().forEach((k, v) -> System.out.println("fuzz " + k + " x" + v));
        org.assertj.core.api.Assertions.assertThat(result.failures()).as("seed " + seed + ", " + count + " requests").isEmpty();
        return result;
    }

    /** RFC 9457 problem details for {@code status}: the media type, {@code status} and a {@code detail}. */
    public static String problemDetails(int status, String contentType, JsonNode json) {
        if (!contentType.startsWith("application/problem+json") || json.path("status").asInt() != status
                || json.path("detail").asText("").isBlank()) {
            return "a " + status + " without problem details";
        }
        return null;
    }

    /** Whether {@code target} is a URI at all (RFC 3986, as {@link URI} reads it). */
    public static boolean validUri(String target) {
        try {
            new URI(target);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
