package io.pgpulse.processor.rule;

import io.pgpulse.avro.Severity;
import java.time.Duration;

/**
 * One alerting rule.
 *
 * @param name     the alert's name (e.g. table_bloat)
 * @param when     the condition that makes the alert pending, then firing
 * @param resolve  the condition that ends a firing alert; when it is looser than the
 *                 negation of {@code when} the gap is hysteresis: a value hovering at the
 *                 threshold neither resolves nor re-fires
 * @param forDuration how long {@code when} must hold before the alert fires
 * @param severity how urgent
 * @param summary  one line for people; {{object}}, {{source}}, {{value}}, {{threshold}} are filled in
 * @param runbook  what to do
 */
public record Rule(String name, Condition when, Condition resolve, Duration forDuration, Severity severity,
                   String summary, String runbook) {

    public Scope scope() {
        return when.scope();
    }

    /** True when a firing alert should end given the object's current record. */
    public boolean resolvedBy(Object record) {
        return resolve != null ? resolve.holds(record) : !when.holds(record);
    }
}
