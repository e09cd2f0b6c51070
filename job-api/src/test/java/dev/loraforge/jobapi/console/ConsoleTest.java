package dev.loraforge.jobapi.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The web console: served at {@code /} without a key, every asset it references (followed from
 * index.html through the ES module imports) answers 200 with the right content type, and none of
 * them points anywhere but this origin; {@code /v1} stays behind the API key.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class ConsoleTest {

    /** src="..." / href="..." in the page, and the module specifiers of static and dynamic imports. */
    private static final Pattern HTML_REF = Pattern.compile("(?:src|href)=\"([^\"]+)\"");
    private static final Pattern JS_IMPORT = Pattern.compile(
            "(?:\\bfrom\\s*|\\bimport\\s*\\(?\\s*)['\"]([^'\"]+)['\"]");
    private static final Pattern CSS_URL = Pattern.compile("url\\(\\s*['\"]?([^'\")]+)");

    @Test
    void pageIsServedWithoutAKeyAndLoadsItsModules() {
        given().get("/").then().statusCode(200)
                .contentType(startsWith("text/html"))
                .header("Content-Security-Policy", containsString("default-src 'self'"))
                .header("Content-Security-Policy", containsString("connect-src 'self'"))
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .body(containsString("<script type=\"module\" src=\"console/app.js\"></script>"));
    }

    @Test
    void everyAssetIsServedWithItsTypeAndNothingComesFromElsewhere() {
        Map<String, String> assets = crawl();
        // index.html, css, app, api, dom, charts and the four views
        assertThat(assets.keySet()).contains("/", "/console/console.css", "/console/app.js", "/console/api.js",
                "/console/dom.js", "/console/charts.js", "/console/views/jobs.js", "/console/views/newjob.js",
                "/console/views/adapters.js", "/console/views/playground.js");
        assets.forEach((path, body) -> {
            assertThat(body).as(path + " names no other host").doesNotContain("http://", "https://");
            assertThat(body).as(path + " has no protocol-relative reference")
                    .doesNotContainPattern("(?:src|href)=\"//|url\\(\\s*['\"]?//|from\\s*['\"]//|import\\s*\\(?\\s*['\"]//");
        });
    }

    @Test
    void apiStaysBehindTheKeyWhileThePageIsOpen() {
        given().get("/console/app.js").then().statusCode(200);
        given().get("/v1/models").then().statusCode(401).body("error.code", equalTo("invalid_api_key"));
        given().get("/v1/fine_tuning/jobs/x/lineage").then().statusCode(401);
    }

    /** Fetches the page and everything it references on this origin; path -> body. */
    private static Map<String, String> crawl() {
        Map<String, String> seen = new LinkedHashMap<>();
        Deque<String> todo = new ArrayDeque<>(List.of("/"));
        while (!todo.isEmpty()) {
            String path = todo.pop();
            if (seen.containsKey(path)) {
                continue;
            }
            Response response = given().get(path);
            assertThat(response.statusCode()).as("GET " + path).isEqualTo(200);
            String type = response.contentType();
            String body = response.asString();
            seen.put(path, body);
            Pattern refs;
            if (path.endsWith(".js")) {
                assertThat(type).as(path).matches("(text|application)/javascript.*");
                refs = JS_IMPORT;
            } else if (path.endsWith(".css")) {
                assertThat(type).as(path).startsWith("text/css");
                refs = CSS_URL;
            } else {
                assertThat(type).as(path).startsWith("text/html");
                refs = HTML_REF;
            }
            Matcher m = refs.matcher(body);
            while (m.find()) {
                String ref = m.group(1);
                if (ref.startsWith("#") || ref.startsWith("data:") || ref.startsWith("q/")) {
                    continue; // in-page anchors, inline data, the API's own Swagger UI
                }
                assertThat(ref).as("reference in " + path).doesNotContain("://").doesNotStartWith("//");
                todo.add(URI.create(path).resolve(ref).getPath());
            }
        }
        return seen;
    }
}
