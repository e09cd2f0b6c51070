package dev.loraforge.engine.template;

import dev.loraforge.engine.template.Token.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for the Jinja2 subset chat templates use, with Jinja2's operator
 * precedence: conditional expression, {@code or}, {@code and}, {@code not}, comparisons and
 * {@code in}, {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary {@code -}, then postfix
 * ({@code .attr}, {@code [item]}, calls) with filters ({@code |}) and tests ({@code is}) binding tightest.
 */
final class Parser {

    private static final Set<String> COMPARE = Set.of("==", "!=", "<", ">", "<=", ">=");
    private final List<Token> tokens;
    private int i;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(Lexer.tokenize(source));
        List<Node> body = p.subparse(Set.of());
        return body;
    }

    // ---- statements ----

    /** Parses nodes until a block whose first name is in {@code ends}; leaves that name as the current token. */
    private List<Node> subparse(Set<String> ends) {
        List<Node> body = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.type()) {
                case TEXT -> {
                    next();
                    body.add(new Node.Text(t.value()));
                }
                case VAR_BEGIN -> {
                    next();
                    Expr e = parseTuple(true);
                    expect(Type.VAR_END, "'}}' to close the print statement");
                    body.add(new Node.Output(e));
                }
                case BLOCK_BEGIN -> {
                    next();
                    Token name = peek();
                    if (name.type() != Type.NAME) {
                        throw error(name, "expected a statement name after '{%', found " + name.describe());
                    }
                    if (ends.contains(name.value())) {
                        return body;
                    }
                    body.add(statement());
                }
                case EOF -> {
                    if (!ends.isEmpty()) {
                        throw error(t, "unexpected end of template; a block is still open, expected one of "
                                + String.join(", ", ends.stream().sorted().toList()));
                    }
                    return body;
                }
                default -> throw error(t, "unexpected " + t.describe());
            }
        }
    }

    private Node statement() {
        Token t = next();
        return switch (t.value()) {
            case "if" -> parseIf();
            case "for" -> parseFor(t);
            case "set" -> parseSet(t);
            case "macro" -> parseMacro();
            case "filter" -> parseFilterBlock();
            case "generation" -> {
                expectBlockEnd("generation");
                List<Node> body = subparse(Set.of("endgeneration"));
                next();
                expectBlockEnd("endgeneration");
                yield new Node.Generation(body);
            }
            case "break" -> {
                expectBlockEnd("break");
                yield new Node.Break(t.line());
            }
            case "continue" -> {
                expectBlockEnd("continue");
                yield new Node.Continue(t.line());
            }
            case "endif", "endfor", "endmacro", "endset", "else", "elif", "endfilter", "endgeneration" ->
                    throw error(t, "'" + t.value() + "' without a matching opening block");
            default -> throw error(t, "unknown or unsupported statement '" + t.value() + "'");
        };
    }

    private Node parseIf() {
        List<Expr> conds = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> elseBody = List.of();
        conds.add(parseTuple(true));
        expectBlockEnd("if");
        while (true) {
            bodies.add(subparse(Set.of("elif", "else", "endif")));
            Token t = next();
            if (t.value().equals("elif")) {
                conds.add(parseTuple(true));
                expectBlockEnd("elif");
                continue;
            }
            if (t.value().equals("else")) {
                expectBlockEnd("else");
                elseBody = subparse(Set.of("endif"));
                next();
            }
            expectBlockEnd("endif");
            return new Node.If(conds, bodies, elseBody);
        }
    }

    private Node parseFor(Token start) {
        List<String> targets = parseTargets("for");
        if (!peek().isName("in")) {
            throw error(peek(), "expected 'in' in the for loop, found " + peek().describe());
        }
        next();
        Expr iter = parseTuple(false);
        Expr filter = null;
        if (peek().isName("if")) {
            next();
            filter = parseExpression(true);
        }
        if (peek().isName("recursive")) {
            throw error(peek(), "recursive for loops are not supported");
        }
        expectBlockEnd("for");
        List<Node> body = subparse(Set.of("endfor", "else"));
        List<Node> elseBody = List.of();
        if (next().value().equals("else")) {
            expectBlockEnd("else");
            elseBody = subparse(Set.of("endfor"));
            next();
        }
        expectBlockEnd("endfor");
        return new Node.For(targets, iter, filter, body, elseBody, start.line());
    }

    private List<String> parseTargets(String what) {
        List<String> names = new ArrayList<>();
        boolean paren = peek().isOp("(");
        if (paren) {
            next();
        }
        do {
            Token n = next();
            if (n.type() != Type.NAME) {
                throw error(n, "expected a variable name in '" + what + "', found " + n.describe());
            }
            names.add(n.value());
        } while (peek().isOp(",") && next() != null);
        if (paren) {
            expectOp(")");
        }
        return names;
    }

    private Node parseSet(Token start) {
        Token n = next();
        if (n.type() != Type.NAME) {
            throw error(n, "expected a variable name after 'set', found " + n.describe());
        }
        if (peek().isOp(".")) {
            next();
            Token attr = next();
            if (attr.type() != Type.NAME) {
                throw error(attr, "expected an attribute name in 'set " + n.value() + ".', found " + attr.describe());
            }
            expectOp("=");
            Expr value = parseTuple(true);
            expectBlockEnd("set");
            return new Node.SetAttr(n.value(), attr.value(), value, start.line());
        }
        List<String> targets = new ArrayList<>(List.of(n.value()));
        while (peek().isOp(",")) {
            next();
            Token m = next();
            if (m.type() != Type.NAME) {
                throw error(m, "expected a variable name in 'set', found " + m.describe());
            }
            targets.add(m.value());
        }
        if (peek().isOp("=")) {
            next();
            Expr value = parseTuple(true);
            expectBlockEnd("set");
            return new Node.Set(targets, value, start.line());
        }
        if (targets.size() != 1) {
            throw error(peek(), "a block 'set' assigns one name");
        }
        List<Expr.Filter> filters = new ArrayList<>();
        while (peek().isOp("|")) {
            next();
            filters.add(parseFilter(null));
        }
        expectBlockEnd("set");
        List<Node> body = subparse(Set.of("endset"));
        next();
        expectBlockEnd("endset");
        return new Node.SetBlock(n.value(), filters, body);
    }

    private Node parseMacro() {
        Token n = next();
        if (n.type() != Type.NAME) {
            throw error(n, "expected the macro's name, found " + n.describe());
        }
        expectOp("(");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            Token p = next();
            if (p.type() != Type.NAME) {
                throw error(p, "expected a parameter name in macro '" + n.value() + "', found " + p.describe());
            }
            params.add(p.value());
            if (peek().isOp("=")) {
                next();
                defaults.add(parseExpression(true));
            } else {
                defaults.add(null);
            }
        }
        next();
        expectBlockEnd("macro");
        List<Node> body = subparse(Set.of("endmacro"));
        next();
        if (peek().type() == Type.NAME) {
            next();
        }
        expectBlockEnd("endmacro");
        return new Node.Macro(n.value(), params, defaults, body);
    }

    private Node parseFilterBlock() {
        Expr.Filter f = parseFilter(null);
        expectBlockEnd("filter");
        List<Node> body = subparse(Set.of("endfilter"));
        next();
        expectBlockEnd("endfilter");
        return new Node.FilterBlock(f, body);
    }

    // ---- expressions ----

    /** An expression, or a tuple when commas follow ({@code {{ a, b }}}, {@code set x = a, b}). */
    private Expr parseTuple(boolean withCondexpr) {
        int line = peek().line();
        Expr first = parseExpression(withCondexpr);
        if (!peek().isOp(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (peek().isOp(",")) {
            next();
            if (atExpressionEnd()) {
                break;
            }
            items.add(parseExpression(withCondexpr));
        }
        return new Expr.TupleLit(items, line);
    }

    private boolean atExpressionEnd() {
        Token t = peek();
        return t.type() == Type.VAR_END || t.type() == Type.BLOCK_END || t.isOp(")") || t.isOp("]") || t.isOp("}")
                || t.isName("if") || t.isName("in");
    }

    private Expr parseExpression(boolean withCondexpr) {
        return withCondexpr ? parseCondexpr() : parseOr();
    }

    private Expr parseCondexpr() {
        Expr expr = parseOr();
        while (peek().isName("if")) {
            int line = next().line();
            Expr cond = parseOr();
            Expr otherwise = null;
            if (peek().isName("else")) {
                next();
                otherwise = parseCondexpr();
            }
            expr = new Expr.CondExpr(cond, expr, otherwise, line);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (peek().isName("or")) {
            int line = next().line();
            left = new Expr.Or(left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (peek().isName("and")) {
            int line = next().line();
            left = new Expr.And(left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (peek().isName("not")) {
            int line = next().line();
            return new Expr.Unary("not", parseNot(), line);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = peek().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.type() == Type.OPERATOR && COMPARE.contains(t.value())) {
                next();
                ops.add(t.value());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peekAt(1).isName("in")) {
                next();
                next();
                ops.add("notin");
            } else {
                break;
            }
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, rest, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            left = new Expr.Binary(op.value(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        int line = peek().line();
        Expr first = parseMath2();
        if (!peek().isOp("~")) {
            return first;
        }
        List<Expr> parts = new ArrayList<>(List.of(first));
        while (peek().isOp("~")) {
            next();
            parts.add(parseMath2());
        }
        return new Expr.Concat(parts, line);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token op = next();
            left = new Expr.Binary(op.value(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (peek().isOp("**")) {
            Token op = next();
            left = new Expr.Binary("**", left, parseUnary(true), op.line());
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = peek();
        Expr node;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            node = new Expr.Unary(t.value(), parseUnary(false), t.line());
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        if (withFilter) {
            node = parseFilterExpr(node);
        }
        return node;
    }

    private Expr parsePrimary() {
        Token t = next();
        switch (t.type()) {
            case NAME -> {
                return switch (t.value()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE, t.line());
                    case "false", "False" -> new Expr.Const(Boolean.FALSE, t.line());
                    case "none", "None" -> new Expr.Const(null, t.line());
                    default -> new Expr.Name(t.value(), t.line());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder(t.value());
                while (peek().type() == Type.STRING) {
                    sb.append(next().value());
                }
                return new Expr.Const(sb.toString(), t.line());
            }
            case INTEGER -> {
                return new Expr.Const(Long.parseLong(t.value()), t.line());
            }
            case FLOAT -> {
                return new Expr.Const(Double.parseDouble(t.value()), t.line());
            }
            case OPERATOR -> {
                switch (t.value()) {
                    case "(" -> {
                        if (peek().isOp(")")) {
                            next();
                            return new Expr.TupleLit(List.of(), t.line());
                        }
                        Expr first = parseExpression(true);
                        if (peek().isOp(")")) {
                            next();
                            return first;
                        }
                        List<Expr> items = new ArrayList<>(List.of(first));
                        while (peek().isOp(",")) {
                            next();
                            if (peek().isOp(")")) {
                                break;
                            }
                            items.add(parseExpression(true));
                        }
                        expectOp(")");
                        return new Expr.TupleLit(items, t.line());
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("]")) {
                                    break;
                                }
                            }
                            items.add(parseExpression(true));
                        }
                        next();
                        return new Expr.ListLit(items, t.line());
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(parseExpression(true));
                            expectOp(":");
                            values.add(parseExpression(true));
                        }
                        next();
                        return new Expr.DictLit(keys, values, t.line());
                    }
                    default -> {
                    }
                }
            }
            default -> {
            }
        }
        throw error(t, "unexpected " + t.describe() + " where an expression should start");
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next();
                Token a = next();
                if (a.type() == Type.NAME) {
                    node = new Expr.GetAttr(node, a.value(), a.line());
                } else if (a.type() == Type.INTEGER) {
                    node = new Expr.GetItem(node, new Expr.Const(Long.parseLong(a.value()), a.line()), a.line());
                } else {
                    throw error(a, "expected an attribute name after '.', found " + a.describe());
                }
            } else if (t.isOp("[")) {
                next();
                node = parseSubscript(node, t);
            } else if (t.isOp("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr obj, Token open) {
        Expr[] parts = new Expr[3];
        int part = 0;
        boolean slice = false;
        while (!peek().isOp("]")) {
            if (peek().isOp(":")) {
                next();
                slice = true;
                part++;
                if (part > 2) {
                    throw error(peek(), "a slice has at most three parts");
                }
                continue;
            }
            if (parts[part] != null) {
                throw error(peek(), "expected ':' or ']' in the subscript, found " + peek().describe());
            }
            parts[part] = parseExpression(true);
        }
        next();
        if (slice) {
            return new Expr.Slice(obj, parts[0], parts[1], parts[2], open.line());
        }
        if (parts[0] == null) {
            throw error(open, "empty subscript '[]'");
        }
        return new Expr.GetItem(obj, parts[0], open.line());
    }

    private Expr parseCall(Expr fn) {
        Token open = next();
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        parseArgs(args, kwNames, kwValues);
        return new Expr.Call(fn, args, kwNames, kwValues, open.line());
    }

    /** After '(' : positional and keyword arguments up to and including ')'. */
    private void parseArgs(List<Expr> args, List<String> kwNames, List<Expr> kwValues) {
        boolean first = true;
        while (!peek().isOp(")")) {
            if (!first) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            first = false;
            if (peek().type() == Type.NAME && peekAt(1).isOp("=")) {
                kwNames.add(next().value());
                next();
                kwValues.add(parseExpression(true));
            } else {
                if (!kwNames.isEmpty()) {
                    throw error(peek(), "a positional argument follows a keyword argument");
                }
                args.add(parseExpression(true));
            }
        }
        next();
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                next();
                node = parseFilter(node);
            } else if (t.isName("is")) {
                next();
                node = parseTest(node, t);
            } else if (t.isOp("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr.Filter parseFilter(Expr value) {
        Token n = next();
        if (n.type() != Type.NAME) {
            throw error(n, "expected a filter name after '|', found " + n.describe());
        }
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        if (peek().isOp("(")) {
            next();
            parseArgs(args, kwNames, kwValues);
        }
        return new Expr.Filter(value, n.value(), args, kwNames, kwValues, n.line());
    }

    private Expr parseTest(Expr value, Token is) {
        boolean negated = false;
        if (peek().isName("not")) {
            next();
            negated = true;
        }
        Token n = next();
        if (n.type() != Type.NAME) {
            throw error(n, "expected a test name after 'is', found " + n.describe());
        }
        String name = n.value();
        List<Expr> args = new ArrayList<>();
        Token t = peek();
        if (t.isOp("(")) {
            next();
            List<String> kwNames = new ArrayList<>();
            parseArgs(args, kwNames, new ArrayList<>());
        } else if ((t.type() == Type.NAME && !Set.of("else", "or", "and", "if", "in", "not", "is").contains(t.value()))
                || t.type() == Type.STRING || t.type() == Type.INTEGER || t.type() == Type.FLOAT
                || t.isOp("[") || t.isOp("{")) {
            args.add(parsePostfix(parsePrimary()));
        }
        return new Expr.Test(value, name, args, negated, is.line());
    }

    // ---- token helpers ----

    private Token peek() {
        return tokens.get(i);
    }

    private Token peekAt(int k) {
        return tokens.get(Math.min(i + k, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(i);
        if (t.type() != Type.EOF) {
            i++;
        }
        return t;
    }

    private void expect(Type type, String what) {
        Token t = next();
        if (t.type() != type) {
            throw error(t, "expected " + what + ", found " + t.describe());
        }
    }

    private void expectOp(String op) {
        Token t = next();
        if (!t.isOp(op)) {
            throw error(t, "expected '" + op + "', found " + t.describe());
        }
    }

    private void expectBlockEnd(String statement) {
        Token t = next();
        if (t.type() != Type.BLOCK_END) {
            throw error(t, "expected '%}' to end the '" + statement + "' statement, found " + t.describe());
        }
    }

    private static TemplateSyntaxException error(Token t, String message) {
        return new TemplateSyntaxException(message, t.line(), t.column());
    }
}
