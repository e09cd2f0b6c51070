package dev.loraforge.systemtests.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * helm/dashboards/loraforge-operations.json is a Grafana dashboard model Grafana can import: the fields of its
 * dashboard schema (title, uid, schemaVersion, a datasource variable), panels with unique ids, a known type, a place on
 * the 24-column grid that overlaps no other panel, and queries (refId, expr) against the dashboard's Prometheus
 * datasource. Whether the metrics exist is PlatformIT's part (everyMetricOfTheOperationsDashboardIsExported).
 */
class DashboardTest {

    private static final Set<String> PANEL_TYPES = Set.of("timeseries", "stat", "gauge", "table", "bargauge", "text");

    @Test
    void theOperationsDashboardIsAValidGrafanaModel() throws Exception {
        Path file = Repo.root().resolve("helm/dashboards/loraforge-operations.json");
        JsonNode d = new ObjectMapper().readTree(file.toFile());
        assertThat(d.path("title").asText()).isNotBlank();
        assertThat(d.path("uid").asText()).matches("[A-Za-z0-9_-]{1,40}");
        assertThat(d.path("schemaVersion").asInt()).isBetween(30, 41);
        assertThat(d.path("id").isMissingNode() || d.path("id").isNull()).as("no instance id: import assigns one").isTrue();
        JsonNode variables = d.path("templating").path("list");
        assertThat(variables.findValuesAsText("name")).contains("datasource");
        assertThat(variables.get(0).path("type").asText()).isEqualTo("datasource");
        assertThat(variables.get(0).path("query").asText()).isEqualTo("prometheus");

        Set<Integer> ids = new HashSet<>();
        List<int[]> boxes = new ArrayList<>();
        assertThat(d.path("panels").size()).isGreaterThanOrEqualTo(8);
        for (JsonNode p : d.path("panels")) {
            String what = "panel " + p.path("title").asText();
            assertThat(ids.add(p.path("id").asInt())).as(what + ": unique id").isTrue();
            assertThat(p.path("type").asText()).as(what).isIn(PANEL_TYPES);
            assertThat(p.path("title").asText()).as(what).isNotBlank();
            assertThat(p.path("datasource").path("uid").asText()).as(what).isEqualTo("${datasource}");
            JsonNode g = p.path("gridPos");
            int x = g.path("x").asInt(-1);
            int y = g.path("y").asInt(-1);
            int w = g.path("w").asInt(0);
            int h = g.path("h").asInt(0);
            assertThat(x).as(what).isBetween(0, 23);
            assertThat(y).as(what).isNotNegative();
            assertThat(w).as(what).isBetween(1, 24 - x);
            assertThat(h).as(what).isPositive();
            for (int[] other : boxes) {
                boolean apart = x + w <= other[0] || other[0] + other[2] <= x || y + h <= other[1] || other[1] + other[3] <= y;
                assertThat(apart).as(what + " overlaps another panel").isTrue();
            }
            boxes.add(new int[] {x, y, w, h});
            Set<String> refIds = new HashSet<>();
            assertThat(p.path("targets").size()).as(what).isPositive();
            for (JsonNode t : p.path("targets")) {
                assertThat(refIds.add(t.path("refId").asText())).as(what + ": unique refId").isTrue();
                String expr = t.path("expr").asText();
                assertThat(expr).as(what).isNotBlank();
                assertThat(balanced(expr)).as(what + ": " + expr).isTrue();
            }
        }
    }

    private static boolean balanced(String expr) {
        int depth = 0;
        for (char c : expr.toCharArray()) {
            if (c == '(' || c == '{' || c == '[') {
                depth++;
            } else if (c == ')' || c == '}' || c == ']') {
                depth--;
            }
            if (depth < 0) {
                return false;
            }
        }
        return depth == 0;
    }
}
