package io.pgpulse.embedded;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to start an {@link EmbeddedPostgres}: the major version, extra {@code postgresql.conf}
 * settings (written after pgpulse's own, so they win), and whether {@code pg_stat_statements}
 * is preloaded and created in the {@code postgres} database.
 *
 * @param majorVersion PostgreSQL major version, such as 18
 * @param settings parameter name to value, written single-quoted; insertion order is kept
 * @param preloadPgStatStatements whether to add {@code pg_stat_statements} to
 *     {@code shared_preload_libraries} and create the extension
 */
public record PostgresOptions(int majorVersion, Map<String, String> settings, boolean preloadPgStatStatements) {

    /** Parameter names as PostgreSQL accepts them, including custom ones like {@code pg_stat_statements.max}. */
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?");

    public PostgresOptions {
        if (majorVersion < 1) {
            throw new IllegalArgumentException("majorVersion must be positive, was " + majorVersion);
        }
        Objects.requireNonNull(settings, "settings");
        Map<String, String> copy = new LinkedHashMap<>();
        settings.forEach((name, value) -> {
            if (name == null || !PARAMETER_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("Not a PostgreSQL parameter name: " + name);
            }
            if (value == null || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("Value of " + name + " must be one line, was: " + value);
            }
            copy.put(name, value);
        });
        settings = Collections.unmodifiableMap(copy);
    }

    /** Defaults for {@code majorVersion}: no extra settings, {@code pg_stat_statements} preloaded. */
    public static PostgresOptions of(int majorVersion) {
        return new PostgresOptions(majorVersion, Map.of(), true);
    }

    /** A copy with one more {@code postgresql.conf} setting, e.g. {@code ("max_connections", "20")}. */
    public PostgresOptions withSetting(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(settings);
        more.put(name, value);
        return new PostgresOptions(majorVersion, more, preloadPgStatStatements);
    }

    /** A copy with {@code pg_stat_statements} preloaded or not. */
    public PostgresOptions withPgStatStatements(boolean preload) {
        return new PostgresOptions(majorVersion, settings, preload);
    }
}
