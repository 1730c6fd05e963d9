package io.pgpulse.collector.metric;

/** What a metric column means; nothing is a counter unless declared so. */
public enum ColumnKind {
    /** Identifies an object (schema, name, OID). */
    LABEL,
    /** Cumulative: only grows until a reset or restart; rates come from its deltas. */
    COUNTER,
    /** A level at the time of the snapshot. */
    GAUGE,
    /** A timestamp. */
    TIME
}
