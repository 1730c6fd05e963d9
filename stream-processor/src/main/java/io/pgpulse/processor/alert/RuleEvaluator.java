package io.pgpulse.processor.alert;

import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.avro.TableMetrics;
import io.pgpulse.processor.rule.Rule;
import io.pgpulse.processor.rule.RuleSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates every rule against one window of one source. Pure logic: which
 * (rule, object) pairs breach, which satisfy their resolve condition, with values.
 * When the source is down only source-scope rules are evaluated: the others have no
 * data and must neither fire nor resolve.
 */
public final class RuleEvaluator {

    /** One rule applied to one object in one window. */
    public record Evaluation(Rule rule, ObjectRef object, Double value, boolean breached, boolean resolved) {
    }

    private final RuleSet rules;

    public RuleEvaluator(RuleSet rules) {
        this.rules = rules;
    }

    public RuleSet rules() {
        return rules;
    }

    public List<Evaluation> evaluate(DerivedMetrics window) {
        List<Evaluation> out = new ArrayList<>();
        for (Rule rule : rules.rules()) {
            switch (rule.scope()) {
                case SOURCE -> out.add(evaluation(rule, null, window));
                case DATABASE -> {
                    if (window.getUp() && window.getDatabase() != null) {
                        out.add(evaluation(rule, null, window.getDatabase()));
                    }
                }
                case TABLE -> {
                    if (window.getUp()) {
                        for (TableMetrics table : window.getTables()) {
                            out.add(evaluation(rule, table.getTable(), table));
                        }
                    }
                }
                default -> throw new IllegalStateException("scope " + rule.scope());
            }
        }
        return out;
    }

    /** Whether {@code window} carries data for {@code rule}'s scope at all. */
    public static boolean covers(Rule rule, DerivedMetrics window) {
        return switch (rule.scope()) {
            case SOURCE -> true;
            case DATABASE -> window.getUp() && window.getDatabase() != null;
            case TABLE -> window.getUp();
        };
    }

    private static Evaluation evaluation(Rule rule, ObjectRef object, Object record) {
        Double value = rule.when().headline().valueIn(record);
        return new Evaluation(rule, object, value, rule.when().holds(record), rule.resolvedBy(record));
    }
}
