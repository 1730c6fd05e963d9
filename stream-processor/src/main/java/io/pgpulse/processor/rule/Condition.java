package io.pgpulse.processor.rule;

import io.pgpulse.processor.metrics.MetricsFrame;
import io.pgpulse.processor.metrics.Scope;
import io.pgpulse.processor.rule.Comparison.Truth;
import java.util.ArrayList;
import java.util.List;

/**
 * A conjunction of comparisons over metrics of one scope:
 * {@code table.dead_tuple_ratio > 0.2 and table.n_dead_tup > 1000}.
 * The first comparison is the headline: its value and threshold are the alert's.
 */
public record Condition(List<Comparison> terms) {

    public static Condition parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("expected an expression, found nothing");
        }
        List<Comparison> terms = new ArrayList<>();
        for (String term : expression.split("\\band\\b")) {
            terms.add(Comparison.parse(term));
        }
        Scope scope = terms.get(0).metric().scope();
        for (Comparison term : terms) {
            if (scopeOf(term) != scopeOf(terms.get(0))) {
                throw new IllegalArgumentException("all terms must be of one scope; '" + terms.get(0).metric().metricName()
                        + "' and '" + term.metric().metricName() + "' differ");
            }
        }
        if (scope == Scope.SOURCE && terms.stream().anyMatch(t -> t.metric().scope() != Scope.SOURCE)) {
            throw new IllegalArgumentException("source metrics cannot be combined with database metrics");
        }
        return new Condition(List.copyOf(terms));
    }

    /** Source-wide metrics (database, activity, cluster, statements) may be combined; objects are one scope each. */
    private static Scope scopeOf(Comparison term) {
        return term.metric().scope();
    }

    public Scope scope() {
        return headline().metric().scope();
    }

    public Comparison headline() {
        return terms.get(0);
    }

    /** The same condition with the headline's threshold replaced. */
    public Condition withHeadlineThreshold(double threshold) {
        List<Comparison> replaced = new ArrayList<>(terms);
        replaced.set(0, headline().withThreshold(threshold));
        return new Condition(List.copyOf(replaced));
    }

    /** TRUE when every term holds, FALSE when one fails, UNKNOWN when none fails but one has no value. */
    public Truth test(MetricsFrame frame, int row) {
        Truth result = Truth.TRUE;
        // Indexed, not iterated: this runs for every row of every frame, and an iterator per call adds up.
        for (int i = 0; i < terms.size(); i++) {
            Truth t = terms.get(i).test(frame, row);
            if (t == Truth.FALSE) {
                return Truth.FALSE;
            }
            if (t == Truth.UNKNOWN) {
                result = Truth.UNKNOWN;
            }
        }
        return result;
    }

    public boolean mentions(io.pgpulse.processor.metrics.Metric metric) {
        return terms.stream().anyMatch(t -> t.metric() == metric);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Comparison term : terms) {
            if (!text.isEmpty()) {
                text.append(" and ");
            }
            text.append(term);
        }
        return text.toString();
    }
}
