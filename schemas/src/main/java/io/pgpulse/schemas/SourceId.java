package io.pgpulse.schemas;

import java.util.Objects;

/**
 * Identity of one monitored database: {@code <cluster>/<database>}. The cluster part
 * is the configured cluster name (or {@code host:port}) and may not contain '/';
 * the database part may contain anything PostgreSQL allows.
 */
public record SourceId(String cluster, String database) {

    public SourceId {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(database, "database");
        if (cluster.isEmpty() || cluster.contains("/")) {
            throw new IllegalArgumentException("cluster name must be non-empty and contain no '/', found: '" + cluster + "'");
        }
        if (database.isEmpty()) {
            throw new IllegalArgumentException("database name must be non-empty");
        }
    }

    /** Parses {@code cluster/database}; the first '/' separates the two. */
    public static SourceId parse(String id) {
        int slash = id.indexOf('/');
        if (slash <= 0 || slash == id.length() - 1) {
            throw new IllegalArgumentException("source id must look like <cluster>/<database>, found: '" + id + "'");
        }
        return new SourceId(id.substring(0, slash), id.substring(slash + 1));
    }

    @Override
    public String toString() {
        return cluster + "/" + database;
    }
}
