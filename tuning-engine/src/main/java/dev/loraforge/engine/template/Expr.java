package dev.loraforge.engine.template;

import java.util.List;

/** Expression nodes, named after Jinja2's ({@code jinja2.nodes}); {@code line} is for error messages. */
sealed interface Expr {

    int line();

    record Const(Object value, int line) implements Expr { }

    record Name(String name, int line) implements Expr { }

    record ListLit(List<Expr> items, int line) implements Expr { }

    record TupleLit(List<Expr> items, int line) implements Expr { }

    record DictLit(List<Expr> keys, List<Expr> values, int line) implements Expr { }

    /** {@code obj.name}: Python attribute first, then item (Jinja's {@code getattr}). */
    record GetAttr(Expr obj, String name, int line) implements Expr { }

    /** {@code obj[key]}: item first, then attribute (Jinja's {@code getitem}). */
    record GetItem(Expr obj, Expr key, int line) implements Expr { }

    /** {@code obj[start:stop:step]}; absent parts are null. */
    record Slice(Expr obj, Expr start, Expr stop, Expr step, int line) implements Expr { }

    record Call(Expr fn, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line) implements Expr { }

    /** {@code value | name(args)}. */
    record Filter(Expr value, String name, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line)
            implements Expr { }

    /** {@code value is [not] name(args)}. */
    record Test(Expr value, String name, List<Expr> args, boolean negated, int line) implements Expr { }

    record Unary(String op, Expr operand, int line) implements Expr { }

    /** Arithmetic {@code + - * / // % **}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr { }

    record And(Expr left, Expr right, int line) implements Expr { }

    record Or(Expr left, Expr right, int line) implements Expr { }

    /** {@code a ~ b ~ c}: the str() of each joined. */
    record Concat(List<Expr> parts, int line) implements Expr { }

    /** A comparison chain {@code a < b <= c}; ops are {@code == != < > <= >= in notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, int line) implements Expr { }

    /** {@code a if cond else b}; {@code otherwise} is null when there is no else (then undefined). */
    record CondExpr(Expr cond, Expr then, Expr otherwise, int line) implements Expr { }
}
