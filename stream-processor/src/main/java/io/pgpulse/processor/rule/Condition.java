package io.pgpulse.processor.rule;

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
            if (term.metric().scope() != scope) {
                throw new IllegalArgumentException("all terms must be of one scope; '" + terms.get(0).metric().name()
                        + "' and '" + term.metric().name() + "' differ");
            }
        }
        return new Condition(List.copyOf(terms));
    }

    public Scope scope() {
        return headline().metric().scope();
    }

    public Comparison headline() {
        return terms.get(0);
    }

    public boolean holds(Object record) {
        for (Comparison term : terms) {
            if (!term.holds(term.valueIn(record))) {
                return false;
            }
        }
        return true;
    }
}
