package io.pgpulse.schemas;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The names of every pgpulse topic. All of them share one configurable prefix
 * (default {@value #DEFAULT_PREFIX}) so that several pgpulse installations can
 * share a Kafka cluster; the version suffix changes only with an incompatible
 * schema change, which gets a new topic.
 */
public record Topics(String prefix) {

    public static final String DEFAULT_PREFIX = "pgpulse";

    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");

    public Topics {
        Objects.requireNonNull(prefix, "prefix");
        if (!LEGAL.matcher(prefix).matches()) {
            throw new IllegalArgumentException(
                    "topic prefix must use only letters, digits, '.', '_' and '-', found: '" + prefix + "'");
        }
    }

    public static Topics defaults() {
        return new Topics(DEFAULT_PREFIX);
    }

    /** Snapshots from the collectors, keyed by source id. */
    public String snapshots() {
        return prefix + ".snapshots.v1";
    }

    /** One window of derived metrics per source, keyed by source id. */
    public String metrics() {
        return prefix + ".metrics.v1";
    }

    /** FIRING and RESOLVED alert events, keyed by fingerprint. */
    public String alerts() {
        return prefix + ".alerts.v1";
    }

    /** Maintenance commands for the agents, keyed by source id. */
    public String commands() {
        return prefix + ".commands.v1";
    }

    /** What became of each command, keyed by command id. */
    public String commandResults() {
        return prefix + ".command-results.v1";
    }

    /** Records that could not be processed, with the reason in headers. */
    public String deadLetters() {
        return prefix + ".dlq.v1";
    }

    /** Fleet-wide switches (the remediation kill switch), compacted, keyed by switch name. */
    public String control() {
        return prefix + ".control.v1";
    }

    /** Silences set through the alert sink's API, compacted, keyed by silence id. */
    public String silences() {
        return prefix + ".silences.v1";
    }

    public List<String> all() {
        return List.of(snapshots(), metrics(), alerts(), commands(), commandResults(), deadLetters(), control(),
                silences());
    }
}
