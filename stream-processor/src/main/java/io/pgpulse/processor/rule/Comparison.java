package io.pgpulse.processor.rule;

import io.pgpulse.processor.metrics.Metric;
import io.pgpulse.processor.metrics.MetricsFrame;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One term of a rule expression, {@code metric op number}, e.g.
 * {@code table.dead_tuple_ratio > 0.2}. A metric without a value (a ratio over nothing, a
 * section not collected) makes the term unknown: it neither holds nor fails.
 */
public record Comparison(Metric metric, String op, double threshold) {

    /** What a term or condition says about a row: it holds, it does not, or there is no data to tell. */
    public enum Truth {
        TRUE, FALSE, UNKNOWN
    }

    private static final Pattern TERM = Pattern.compile(
            "\\s*([a-z_]+\\.[a-z_0-9]+)\\s*(>=|<=|==|!=|>|<)\\s*(-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\\s*");

    /** Parses one term; throws {@link IllegalArgumentException} saying what was expected. */
    public static Comparison parse(String text) {
        Matcher m = TERM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected '<record>.<metric> <op> <number>' with op one of > >= < <= == !=,"
                    + " found '" + text.strip() + "'");
        }
        Metric metric = Metric.find(m.group(1)).orElseThrow(() -> new IllegalArgumentException(
                "unknown metric " + m.group(1) + "; known: " + String.join(", ", Metric.names())));
        return new Comparison(metric, m.group(2), Double.parseDouble(m.group(3)));
    }

    public Comparison withThreshold(double newThreshold) {
        return new Comparison(metric, op, newThreshold);
    }

    public Truth test(MetricsFrame frame, int row) {
        double value = frame.value(metric, row);
        if (Double.isNaN(value)) {
            return Truth.UNKNOWN;
        }
        boolean holds = switch (op) {
            case ">" -> value > threshold;
            case ">=" -> value >= threshold;
            case "<" -> value < threshold;
            case "<=" -> value <= threshold;
            case "==" -> value == threshold;
            case "!=" -> value != threshold;
            default -> throw new IllegalStateException("operator " + op);
        };
        return holds ? Truth.TRUE : Truth.FALSE;
    }

    @Override
    public String toString() {
        return metric.metricName() + " " + op + " " + threshold;
    }
}
