package io.pgpulse.collector.target;

import io.pgpulse.schemas.SourceId;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One database to watch.
 *
 * @param cluster  the cluster name used in the source id
 * @param jdbcUrl  jdbc:postgresql://host:port/database
 * @param user     role to connect as (read-only monitoring role; pg_monitor is enough)
 * @param password password, or null for trust/peer/.pgpass
 * @param interval how often to take a snapshot
 * @param tags     free labels for rules and routes
 */
public record TargetConfig(String cluster, String jdbcUrl, String user, String password, Duration interval,
                           Map<String, String> tags) {

    public TargetConfig {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(interval, "interval");
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("url must start with jdbc:postgresql://, found: " + jdbcUrl);
        }
        if (interval.toMillis() < 100) {
            throw new IllegalArgumentException("interval must be at least 100ms, found: " + interval);
        }
    }

    /** The database named in the URL (the part after host:port/ and before any '?'). */
    public String database() {
        String rest = jdbcUrl.substring("jdbc:postgresql://".length());
        int slash = rest.indexOf('/');
        if (slash < 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("url names no database: " + jdbcUrl);
        }
        String db = rest.substring(slash + 1);
        int query = db.indexOf('?');
        return java.net.URLDecoder.decode(query < 0 ? db : db.substring(0, query), java.nio.charset.StandardCharsets.UTF_8);
    }

    public SourceId sourceId() {
        return new SourceId(cluster, database());
    }
}
