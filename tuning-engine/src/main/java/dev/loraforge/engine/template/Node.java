package dev.loraforge.engine.template;

import java.util.List;

/** Statement nodes of a parsed template. */
sealed interface Node {

    record Text(String text) implements Node { }

    /** {@code {{ expr }}}. */
    record Output(Expr expr) implements Node { }

    /** {@code {% if %}} with its {@code elif} branches: conds[i] guards bodies[i]; elseBody may be empty. */
    record If(List<Expr> conds, List<List<Node>> bodies, List<Node> elseBody) implements Node { }

    /** {@code {% for targets in iter if filter %} body {% else %} elseBody {% endfor %}}. */
    record For(List<String> targets, Expr iter, Expr filter, List<Node> body, List<Node> elseBody, int line)
            implements Node { }

    /** {@code {% set a = expr %}} or {@code {% set a, b = expr %}}. */
    record Set(List<String> targets, Expr value, int line) implements Node { }

    /** {@code {% set ns.attr = expr %}}. */
    record SetAttr(String namespace, String attr, Expr value, int line) implements Node { }

    /** {@code {% set name | filters %} body {% endset %}}: filters are applied to the rendered body. */
    record SetBlock(String name, List<Expr.Filter> filters, List<Node> body) implements Node { }

    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node { }

    /** {@code {% filter name %} body {% endfilter %}}. */
    record FilterBlock(Expr.Filter filter, List<Node> body) implements Node { }

    /** transformers' {@code {% generation %}} marker: renders its body unchanged. */
    record Generation(List<Node> body) implements Node { }

    record Break(int line) implements Node { }

    record Continue(int line) implements Node { }
}
