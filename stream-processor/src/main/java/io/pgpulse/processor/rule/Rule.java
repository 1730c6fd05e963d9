package io.pgpulse.processor.rule;

import io.pgpulse.avro.Severity;
import io.pgpulse.processor.metrics.Metric;
import io.pgpulse.processor.metrics.MetricsFrame;
import io.pgpulse.processor.metrics.Scope;
import io.pgpulse.processor.rule.Comparison.Truth;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One alerting rule.
 *
 * @param name        the alert's name (e.g. table_bloat)
 * @param when        the condition that makes the alert pending, then firing
 * @param resolve     the condition that ends a firing alert, or null for "{@code when} no longer holds";
 *                    a gap between the two is hysteresis: a value hovering at the threshold neither
 *                    resolves nor fires again
 * @param window      what the rule is evaluated on: every snapshot (gauges: at once), or each closed
 *                    tumbling or hopping window (rates and ratios: steadier)
 * @param forDuration how long {@code when} must hold before the alert fires
 * @param severity    how urgent
 * @param selector    which sources and objects the rule is for
 * @param labels      extra labels, templates
 * @param summary     one line for people, a template
 * @param runbook     what to do, a template
 * @param annotations further annotations, templates
 * @param overrides   per-tag variants, the first that matches a source's tags wins
 */
public record Rule(String name, Condition when, Condition resolve, MetricsFrame.Kind window, Duration forDuration,
                   Severity severity, Selector selector, Map<String, Template> labels, Template summary,
                   Template runbook, Map<String, Template> annotations, List<TagOverride> overrides) {

    /**
     * A variant of a rule for the sources carrying {@code tags}; each non-null part replaces the rule's.
     *
     * @param threshold replaces the threshold of the headline term of {@code when}
     * @param enabled   false turns the rule off for these sources
     */
    public record TagOverride(Map<String, String> tags, Condition when, Condition resolve, Double threshold,
                           Duration forDuration, Severity severity, Boolean enabled) {
    }

    public Scope scope() {
        return when.scope();
    }

    /** Whether the silence check (not snapshots) provides this rule's data. */
    public boolean isSilenceRule() {
        return when.mentions(Metric.SOURCE_SILENT_INTERVALS);
    }

    /** What the resolve condition says of a row: TRUE when a firing alert should end. */
    public Truth resolvedBy(MetricsFrame frame, int row) {
        if (resolve != null) {
            return resolve.test(frame, row);
        }
        return switch (when.test(frame, row)) {
            case TRUE -> Truth.FALSE;
            case FALSE -> Truth.TRUE;
            case UNKNOWN -> Truth.UNKNOWN;
        };
    }

    /** This rule as it applies to a source with {@code tags}: the first matching override applied, or null when turned off. */
    public Rule forTags(Map<String, String> tags) {
        for (TagOverride o : overrides) {
            if (!Selector.matchesTags(o.tags(), tags)) {
                continue;
            }
            if (Boolean.FALSE.equals(o.enabled())) {
                return null;
            }
            Condition w = o.when() != null ? o.when() : when;
            if (o.threshold() != null) {
                w = w.withHeadlineThreshold(o.threshold());
            }
            return new Rule(name, w, o.resolve() != null ? o.resolve() : resolve, window,
                    o.forDuration() != null ? o.forDuration() : forDuration,
                    o.severity() != null ? o.severity() : severity, selector, labels, summary, runbook, annotations,
                    List.of());
        }
        return this;
    }
}
