package io.pgpulse.sink.routing;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One label matcher in Alertmanager's syntax: {@code name="value"}, {@code name!="value"},
 * {@code name=~"regex"}, {@code name!~"regex"}. Regular expressions match the whole value
 * (anchored, as in Alertmanager); a missing label matches as the empty string.
 */
public final class Matcher {

    /** How the value is compared. */
    public enum Op {
        EQUAL("="), NOT_EQUAL("!="), REGEX("=~"), NOT_REGEX("!~");

        private final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    private static final Pattern SYNTAX = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*(.*?)\\s*");

    private final String name;
    private final Op op;
    private final String value;
    private final Pattern regex;

    private Matcher(String name, Op op, String value) {
        this.name = name;
        this.op = op;
        this.value = value;
        this.regex = op == Op.REGEX || op == Op.NOT_REGEX ? Pattern.compile(value) : null;
    }

    public static Matcher of(String name, Op op, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(value, "value");
        try {
            return new Matcher(name, op, value);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bad regular expression in matcher " + name + op.symbol
                    + "\"" + value + "\": " + e.getDescription());
        }
    }

    /** Parses {@code name="value"} (quotes optional); throws naming what is wrong. */
    public static Matcher parse(String text) {
        java.util.regex.Matcher m = SYNTAX.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a matcher like severity=\"critical\" or source=~\"pg-prod/.*\", found '"
                    + text + "'");
        }
        String raw = m.group(3);
        String value = raw;
        if (raw.length() >= 2 && raw.startsWith("\"") && raw.endsWith("\"")) {
            value = raw.substring(1, raw.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        } else if (raw.contains("\"")) {
            throw new IllegalArgumentException("expected the value of matcher '" + text + "' as one double-quoted string, found "
                    + raw);
        }
        Op op = switch (m.group(2)) {
            case "=" -> Op.EQUAL;
            case "!=" -> Op.NOT_EQUAL;
            case "=~" -> Op.REGEX;
            default -> Op.NOT_REGEX;
        };
        return of(m.group(1), op, value);
    }

    public String name() {
        return name;
    }

    public Op op() {
        return op;
    }

    public String value() {
        return value;
    }

    public boolean matches(Map<String, String> labels) {
        String actual = labels.getOrDefault(name, "");
        return switch (op) {
            case EQUAL -> actual.equals(value);
            case NOT_EQUAL -> !actual.equals(value);
            case REGEX -> regex.matcher(actual).matches();
            case NOT_REGEX -> !regex.matcher(actual).matches();
        };
    }

    @Override
    public String toString() {
        return name + op.symbol + "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Matcher other && name.equals(other.name) && op == other.op && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, op, value);
    }
}
