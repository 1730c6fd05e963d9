package io.pgpulse.collector.target;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Watch every database of one cluster: the databases are listed through {@code seed}
 * (a target on any database of it) every {@code refresh}; each one that matches
 * {@code include} and not {@code exclude} becomes a target like the seed, on that
 * database. New databases are picked up, dropped ones retired.
 *
 * @param seed    how to reach the cluster, and the interval, tags and credentials of every discovered target
 * @param include database names to watch (whole-name match), or null for all
 * @param exclude database names to leave out (whole-name match), or null for none
 * @param refresh how often the list is read again
 */
public record DiscoveryConfig(TargetConfig seed, Pattern include, Pattern exclude, Duration refresh) {

    public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(1);

    public DiscoveryConfig {
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(refresh, "refresh");
        if (refresh.toMillis() < 100) {
            throw new IllegalArgumentException("refresh must be at least 100ms, found: " + refresh);
        }
    }

    /** Whether a database of this name is watched. */
    public boolean watches(String database) {
        return (include == null || include.matcher(database).matches())
                && (exclude == null || !exclude.matcher(database).matches());
    }
}
