package io.pgpulse.processor.rule;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One term of a rule expression: {@code metric op number}, e.g.
 * {@code table.dead_tuple_ratio > 0.2}. A metric with no value (a ratio over
 * nothing) never satisfies a comparison.
 */
public record Comparison(RuleMetrics.Metric metric, String op, double threshold) {

    private static final Pattern TERM = Pattern.compile("\\s*([a-z_]+\\.[a-z_0-9]+)\\s*(>=|<=|==|!=|>|<)\\s*(-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\\s*");

    /** Parses one term; throws {@link IllegalArgumentException} saying what was expected. */
    public static Comparison parse(String text) {
        Matcher m = TERM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected '<scope>.<metric> <op> <number>' with op one of > >= < <= == !=, found '"
                    + text.strip() + "'");
        }
        RuleMetrics.Metric metric = RuleMetrics.find(m.group(1)).orElseThrow(() -> new IllegalArgumentException(
                "unknown metric " + m.group(1) + "; known: " + String.join(", ", RuleMetrics.names())));
        return new Comparison(metric, m.group(2), Double.parseDouble(m.group(3)));
    }

    /** The metric's value in {@code record} (a record of this metric's scope), or null. */
    public Double valueIn(Object record) {
        return metric.reader().apply(record);
    }

    public boolean holds(Double value) {
        if (value == null || value.isNaN()) {
            return false;
        }
        return switch (op) {
            case ">" -> value > threshold;
            case ">=" -> value >= threshold;
            case "<" -> value < threshold;
            case "<=" -> value <= threshold;
            case "==" -> value == threshold;
            case "!=" -> value != threshold;
            default -> throw new IllegalStateException("operator " + op);
        };
    }

    @Override
    public String toString() {
        return metric.name() + " " + op + " " + threshold;
    }
}
