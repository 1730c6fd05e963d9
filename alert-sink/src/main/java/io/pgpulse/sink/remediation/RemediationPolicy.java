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
 */
public record RemediationPolicy(List<Entry> entries, List<MaintenanceWindow> windows, Duration ratePerSource,
                                Duration commandTtl, boolean dryRun) {

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
        root.allowOnly("command_ttl", "rate_limit_per_source", "windows", "actions");
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
        for (ConfigNode node : root.list("actions", true)) {
            node.allowOnly("rule", "action", "tags", "exclude");
            String rule = node.string("rule");
            String actionText = node.string("action");
            MaintenanceAction action = null;
            if (actionText != null) {
                try {
                    action = MaintenanceAction.valueOf(actionText.toUpperCase(Locale.ROOT));
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
        return new RemediationPolicy(entries, windows, rate, ttl, dryRun);
    }
}
