package io.pgpulse.processor.rule;

/** What a rule looks at: the source as a whole, its database statistics, or each of its tables. */
public enum Scope {
    SOURCE, DATABASE, TABLE
}
