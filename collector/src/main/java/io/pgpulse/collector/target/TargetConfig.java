package io.pgpulse.collector.target;

import io.pgpulse.collector.metric.MetricGroup;
import io.pgpulse.schemas.SourceId;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One database to watch.
 *
 * @param cluster  the cluster name used in the source id
 * @param jdbcUrl  jdbc:postgresql://host:port/database
 * @param user     role to connect as (read-only monitoring role; pg_monitor is enough)
 * @param password password, or null for trust/peer/.pgpass
 * @param interval how often to take a snapshot
 * @param tags     free labels for rules and routes
 * @param sslmode  pgjdbc's sslmode (disable, allow, prefer, require, verify-ca, verify-full), or null for the driver's default
 * @param console  a PostgreSQL server, or a PgBouncer admin console (the default when the database is {@code pgbouncer})
 */
public record TargetConfig(String cluster, String jdbcUrl, String user, String password, Duration interval,
                           Map<String, String> tags, String sslmode, MetricGroup.Console console) {

    public static final String URL_PREFIX = "jdbc:postgresql://";
    /** The sslmode values pgjdbc accepts. */
    public static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
    /** The database name of PgBouncer's admin console. */
    public static final String PGBOUNCER_DATABASE = "pgbouncer";

    public TargetConfig {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(interval, "interval");
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        if (!jdbcUrl.startsWith(URL_PREFIX)) {
            throw new IllegalArgumentException("url must start with " + URL_PREFIX + ", found: " + jdbcUrl);
        }
        if (interval.toMillis() < 100) {
            throw new IllegalArgumentException("interval must be at least 100ms, found: " + interval);
        }
        if (sslmode != null && !SSL_MODES.contains(sslmode)) {
            throw new IllegalArgumentException("sslmode must be one of " + String.join(", ", new java.util.TreeSet<>(SSL_MODES))
                    + ", found: " + sslmode);
        }
        if (console == null) {
            console = PGBOUNCER_DATABASE.equals(databaseOf(jdbcUrl)) ? MetricGroup.Console.PGBOUNCER : MetricGroup.Console.POSTGRES;
        }
    }

    /** A PostgreSQL target with the driver's default sslmode. */
    public TargetConfig(String cluster, String jdbcUrl, String user, String password, Duration interval,
                        Map<String, String> tags) {
        this(cluster, jdbcUrl, user, password, interval, tags, null, null);
    }

    /** The database named in the URL (the part after host:port/ and before any '?'). */
    public String database() {
        return databaseOf(jdbcUrl);
    }

    /** The host of the URL (the first one when it lists several). */
    public String host() {
        String hostPort = hostPort().split(",")[0];
        if (hostPort.startsWith("[")) {
            return hostPort.substring(1, hostPort.indexOf(']'));
        }
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    /** The port of the URL, 5432 when it names none. */
    public int port() {
        String hostPort = hostPort().split(",")[0];
        int bracket = hostPort.indexOf(']');
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0 || colon < bracket) {
            return 5432;
        }
        return Integer.parseInt(hostPort.substring(colon + 1));
    }

    private String hostPort() {
        String rest = jdbcUrl.substring(URL_PREFIX.length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    public SourceId sourceId() {
        return new SourceId(cluster, database());
    }

    /** The same target on another database of the same server (for discovery); the name may be anything. */
    public TargetConfig onDatabase(String database, Map<String, String> extraTags) {
        String rest = jdbcUrl.substring(URL_PREFIX.length());
        int slash = rest.indexOf('/');
        String hostPort = slash < 0 ? rest : rest.substring(0, slash);
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q);
        }
        String encoded = URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
        Map<String, String> merged = new java.util.TreeMap<>(tags);
        merged.putAll(extraTags);
        return new TargetConfig(cluster, URL_PREFIX + hostPort + "/" + encoded + query, user, password, interval, merged,
                sslmode, MetricGroup.Console.POSTGRES);
    }

    @Override
    public String toString() {
        // Never the password.
        return "TargetConfig[" + sourceId() + ", " + jdbcUrl + ", user " + user + ", every " + interval + "]";
    }

    private static String databaseOf(String jdbcUrl) {
        String rest = jdbcUrl.substring(URL_PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash < 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("url names no database: " + jdbcUrl);
        }
        String db = rest.substring(slash + 1);
        int query = db.indexOf('?');
        return URLDecoder.decode(query < 0 ? db : db.substring(0, query), StandardCharsets.UTF_8);
    }
}
