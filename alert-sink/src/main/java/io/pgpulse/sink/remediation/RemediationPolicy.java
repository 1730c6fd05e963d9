package io.pgpulse.sink.remediation;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.schemas.command.MaintenanceWindow;
import io.pgpulse.schemas.config.ConfigNode;
import io.pgpulse.schemas.config.ConfigProblems;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which alert leads to which maintenance, where and when: rule → action entries with
 * an optional tag selector and exclusion list, maintenance windows, a per-source rate
 * limit, a command lifetime and dry-run. Loaded strictly from YAML (see
 * deploy/remediation.sample.yaml); the defaults are the tuning guide's routine
 * (VACUUM (ANALYZE) a bloated table) in dry-run mode.
 *
 * @param entries       rule → action mappings, first match wins
 * @param windows       when commands may be issued (any open); empty = any time
 * @param ratePerSource at most one command per source within this period
 * @param commandTtl    how long a command stays valid
 * @param dryRun        commands are checked and recorded by the executor, never run
 * @param retention     old-row cleanups run on a schedule inside the windows (opt-in; empty: none)
 */
public record RemediationPolicy(List<Entry> entries, List<MaintenanceWindow> windows, Duration ratePerSource,
                                Duration commandTtl, boolean dryRun, List<Retention> retention) {

    public static final int DEFAULT_BATCH_ROWS = 5_000;
    public static final int DEFAULT_MAX_BATCHES = 100;
    public static final Duration DEFAULT_RETENTION_EVERY = Duration.ofDays(1);

    /** A policy without retention cleanups. */
    public RemediationPolicy(List<Entry> entries, List<MaintenanceWindow> windows, Duration ratePerSource,
                             Duration commandTtl, boolean dryRun) {
        this(entries, windows, ratePerSource, commandTtl, dryRun, List.of());
    }

    /**
     * The guide's cleanup of old rows for one table, on every source that has it.
     *
     * @param schema          the table's schema
     * @param table           the table's name
     * @param timestampColumn the column that dates a row
     * @param keep            rows older than this go
     * @param batchRows       rows per delete statement
     * @param maxBatches      statements per run
     * @param every           how often per source (inside the windows)
     * @param tags            the source must carry all of these tags (empty: any source)
     */
    public record Retention(String schema, String table, String timestampColumn, Duration keep, int batchRows,
                            int maxBatches, Duration every, Map<String, String> tags) {

        public Retention {
            tags = Map.copyOf(tags);
        }

        boolean appliesTo(Map<String, String> sourceTags) {
            return tags.entrySet().stream().allMatch(t -> t.getValue().equals(sourceTags.get(t.getKey())));
        }
    }

    /**
     * @param rule    the alert rule name
     * @param action  what to ask for
     * @param tags    the source must carry all of these tags (empty: any source)
     * @param exclude {@code schema.name} globs of objects never touched
     */
    public record Entry(String rule, MaintenanceAction action, Map<String, String> tags, List<String> exclude) {

        boolean matches(Alert alert) {
            if (!rule.equals(alert.getRule()) || alert.getObject() == null) {
                return false;
            }
            for (Map.Entry<String, String> tag : tags.entrySet()) {
                if (!tag.getValue().equals(alert.getLabels().get(tag.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        Optional<String> excludedBy(Alert alert) {
            Path name = Path.of(alert.getObject().getSchemaName() + "." + alert.getObject().getName().replace('/', '_'));
            for (String glob : exclude) {
                PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                if (matcher.matches(name)) {
                    return Optional.of(glob);
                }
            }
            return Optional.empty();
        }
    }

    public RemediationPolicy {
        entries = List.copyOf(entries);
        windows = List.copyOf(windows);
        retention = List.copyOf(retention);
    }

    public static RemediationPolicy defaults(boolean dryRun) {
        return new RemediationPolicy(
                List.of(new Entry("table_bloat", MaintenanceAction.VACUUM_ANALYZE, Map.of(), List.of())),
                List.of(), Duration.ofMinutes(10), Duration.ofMinutes(15), dryRun);
    }

    /** The entry for {@code alert}, if one matches and the object is of the kind the action needs. */
    public Optional<Entry> entryFor(Alert alert) {
        return entries.stream()
                .filter(e -> e.matches(alert))
                .filter(e -> alert.getObject().getKind() == kindFor(e.action()))
                .findFirst();
    }

    static ObjectKind kindFor(MaintenanceAction action) {
        return action == MaintenanceAction.REINDEX_INDEX_CONCURRENTLY ? ObjectKind.INDEX : ObjectKind.TABLE;
    }

    /** Loads a policy file; {@code dryRun} comes from the main configuration, so it is set in one place. */
    public static RemediationPolicy load(Path file, boolean dryRun) {
        ConfigProblems problems = new ConfigProblems();
        ConfigNode root = ConfigNode.parse(file, problems);
        RemediationPolicy policy = root == null ? null : from(root, dryRun);
        problems.throwIfAny("remediation policy " + file);
        return policy;
    }

    static RemediationPolicy from(ConfigNode root, boolean dryRun) {
        root.allowOnly("command_ttl", "rate_limit_per_source", "windows", "actions", "retention");
        Duration ttl = root.duration("command_ttl", Duration.ofMinutes(15));
        Duration rate = root.duration("rate_limit_per_source", Duration.ofMinutes(10));
        List<MaintenanceWindow> windows = new ArrayList<>();
        for (ConfigNode window : root.list("windows", false)) {
            String text = window.asString();
            try {
                if (text != null) {
                    windows.add(MaintenanceWindow.parse(text));
                }
            } catch (IllegalArgumentException e) {
                window.problem(e.getMessage());
            }
        }
        List<Entry> entries = new ArrayList<>();
        for (ConfigNode node : root.list("actions", !root.has("retention"))) {
            node.allowOnly("rule", "action", "tags", "exclude");
            String rule = node.string("rule");
            String actionText = node.string("action");
            MaintenanceAction action = null;
            if (actionText != null) {
                try {
                    action = MaintenanceAction.valueOf(actionText.toUpperCase(Locale.ROOT));
                    if (action == MaintenanceAction.RETENTION_DELETE) {
                        node.require("action").problem("retention_delete runs on a schedule, not for an alert: "
                                + "declare it under retention:");
                        action = null;
                    }
                } catch (IllegalArgumentException e) {
                    node.require("action").problem("expected one of vacuum_analyze, analyze, reindex_index_concurrently, found "
                            + actionText);
                }
            }
            List<String> exclude = new ArrayList<>();
            for (ConfigNode glob : node.list("exclude", false)) {
                String text = glob.asString();
                if (text != null) {
                    exclude.add(text);
                }
            }
            if (rule != null && action != null) {
                entries.add(new Entry(rule, action, node.stringMap("tags"), exclude));
            }
        }
        List<Retention> retention = new ArrayList<>();
        for (ConfigNode node : root.list("retention", false)) {
            Retention cleanup = retention(node);
            if (cleanup != null) {
                retention.add(cleanup);
            }
        }
        return new RemediationPolicy(entries, windows, rate, ttl, dryRun, retention);
    }

    private static Retention retention(ConfigNode node) {
        node.allowOnly("table", "timestamp_column", "keep", "batch_rows", "max_batches", "every", "tags");
        String table = node.string("table");
        String column = node.string("timestamp_column");
        Duration keep = node.duration("keep", null);
        if (!node.has("keep")) {
            node.require("keep");
        } else if (keep != null && keep.compareTo(Duration.ofDays(1)) < 0) {
            node.require("keep").problem("expected at least 1d (agents delete nothing younger), found " + keep);
            keep = null;
        }
        Duration every = node.duration("every", DEFAULT_RETENTION_EVERY);
        int batchRows = wholeNumber(node, "batch_rows", DEFAULT_BATCH_ROWS, 100_000);
        int maxBatches = wholeNumber(node, "max_batches", DEFAULT_MAX_BATCHES, 10_000);
        String schema = null;
        String name = null;
        if (table != null) {
            int dot = table.indexOf('.');
            if (dot <= 0 || dot == table.length() - 1) {
                node.require("table").problem("expected schema.table, e.g. public.audit_logs, found '" + table + "'");
            } else {
                schema = table.substring(0, dot);
                name = table.substring(dot + 1);
            }
        }
        if (schema == null || column == null || keep == null || every == null || batchRows < 1 || maxBatches < 1) {
            return null;
        }
        return new Retention(schema, name, column, keep, batchRows, maxBatches, every, node.stringMap("tags"));
    }

    private static int wholeNumber(ConfigNode node, String key, int defaultValue, int max) {
        if (!node.has(key)) {
            return defaultValue;
        }
        Double value = node.number(key);
        if (value == null) {
            return -1; // not a number: already reported
        }
        if (value != Math.rint(value) || value < 1 || value > max) {
            node.require(key).problem("expected a whole number from 1 to " + max + ", found '"
                    + node.require(key).asString() + "'");
            return -1;
        }
        return value.intValue();
    }
}
