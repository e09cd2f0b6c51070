package dev.loraforge.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The interpreter one feature at a time. {@code unit_cases.json} holds templates and the output Python
 * jinja2 gave for them (render_unit_cases.py); the other tests pin errors and the environment's globals.
 */
class TemplateTest {

    private static String render(String source, Map<String, ?> vars) {
        return Template.compile(source).render(vars);
    }

    @TestFactory
    Stream<DynamicTest> featureCasesMatchPythonJinja2() throws Exception {
        List<Map<String, Object>> cases;
        try (InputStream in = getClass().getResourceAsStream("/chat-templates/unit_cases.json")) {
            cases = new ObjectMapper().readValue(in, new TypeReference<>() { });
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            String source = (String) c.get("template");
            @SuppressWarnings("unchecked")
            Map<String, Object> context = (Map<String, Object>) c.get("context");
            tests.add(DynamicTest.dynamicTest(source.length() > 60 ? source.substring(0, 60) : source,
                    () -> assertEquals(c.get("expected"), render(source, context))));
        }
        return tests.stream();
    }

    @Test
    void pythonStrAndReprOfJavaValues() {
        Map<String, Object> vars = new java.util.HashMap<>();
        vars.put("t", true);
        vars.put("n", null);
        vars.put("i", 3);
        vars.put("f", 1.0f);
        vars.put("small", 2.5e-7);
        vars.put("l", java.util.Arrays.asList(1, "it's", null));
        vars.put("d", Map.of("k", List.of(1, 2)));
        assertEquals("True|None|3|1.0|2.5e-07|[1, \"it's\", None]|{'k': [1, 2]}",
                render("{{ t }}|{{ n }}|{{ i }}|{{ f }}|{{ small }}|{{ l }}|{{ d }}", vars));
        assertEquals("'a\\nb' '\\x00' (1,)", Py.repr("a\nb") + " " + Py.repr("\u0000") + " " + Py.repr(new PyTuple(List.of(1L))));
        assertEquals("1e+16 123456.789 -0.0", Py.floatRepr(1e16) + " " + Py.floatRepr(123456.789) + " " + Py.floatRepr(-0.0));
    }

    @Test
    void syntaxErrorsNameTheLineColumnAndConstruct() {
        TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class,
                () -> Template.compile("ok\n{% for m in messages %}{{ m }}"));
        assertTrue(e.getMessage().startsWith("line 2,"), e.getMessage());
        assertTrue(e.getMessage().contains("endfor"), e.getMessage());
        e = assertThrows(TemplateSyntaxException.class, () -> Template.compile("{{ a + }}"));
        assertEquals("line 1, column 8: unexpected end of print statement where an expression should start", e.getMessage());
        e = assertThrows(TemplateSyntaxException.class, () -> Template.compile("{% include 'x' %}"));
        assertTrue(e.getMessage().contains("unsupported statement 'include'"), e.getMessage());
        // what Jinjava could not parse: Qwen3's reversed iteration
        assertEquals("cba", render("{% for c in s[::-1] %}{{ c }}{% endfor %}", Map.of("s", "abc")));
    }

    @Test
    void undefinedValuesFailOnUseLikeJinja2() {
        assertEquals("", render("{{ missing }}", Map.of()));
        TemplateException e = assertThrows(TemplateException.class, () -> render("{{ missing.attr }}", Map.of()));
        assertEquals("'missing' is undefined", e.getMessage());
        e = assertThrows(TemplateException.class, () -> render("{{ missing + 'x' }}", Map.of()));
        assertEquals("'missing' is undefined", e.getMessage());
        // a variable given as null is None, not undefined
        assertEquals("True|None", render("{{ v is defined }}|{{ v }}", java.util.Collections.singletonMap("v", null)));
        assertThrows(TemplateException.class, () -> render("{{ 'a' + [1] }}", Map.of()));
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        RaisedException e = assertThrows(RaisedException.class,
                () -> render("{% if x %}{{ raise_exception('no ' ~ x) }}{% endif %}", Map.of("x", "system")));
        assertEquals("no system", e.getMessage());
    }

    @Test
    void strftimeNowReadsTheGivenClock() {
        Clock clock = Clock.fixed(LocalDateTime.of(2024, 12, 1, 7, 5, 9).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        assertEquals("01 Dec 2024|Sunday 07:05:09 AM|2024-12-01",
                Template.compile("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %H:%M:%S %p') }}|{{ strftime_now('%Y-%m-%d') }}",
                        clock).render(Map.of()));
    }

    @Test
    void templatesCannotModifyTheirInput() {
        List<Object> list = new ArrayList<>(List.of(1));
        TemplateException e = assertThrows(TemplateException.class, () -> render("{{ l.append(2) }}", Map.of("l", list)));
        assertTrue(e.getMessage().contains("unsafe"), e.getMessage());
        assertEquals(List.of(1), list);
    }

    @Test
    void generationBlocksAndRawBlocksRenderTheirBody() {
        assertEquals("A{{ x }}B", render("{% generation %}A{% endgeneration %}{% raw %}{{ x }}{% endraw %}B", Map.of()));
    }
}
