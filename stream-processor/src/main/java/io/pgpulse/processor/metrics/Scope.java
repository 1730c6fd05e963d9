package io.pgpulse.processor.metrics;

/**
 * What a metric describes, and so what a rule over it is evaluated for: the source as a
 * whole (also while it is down), its database-wide figures (database, activity, cluster
 * and statement totals: one value per source, present only while it is up), or each of its
 * tables, indexes or statements.
 */
public enum Scope {
    SOURCE, DATABASE, TABLE, INDEX, STATEMENT
}
