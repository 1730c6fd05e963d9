package io.pgpulse.processor.rule;

import io.pgpulse.avro.Severity;
import io.pgpulse.schemas.config.ConfigNode;
import io.pgpulse.schemas.config.ConfigProblems;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The alerting rules, loaded strictly from a file shaped like a Prometheus rule file
 * (groups of rules with {@code alert}, {@code expr}, {@code for}, ...). Unknown keys,
 * unknown metrics, bad expressions and duplicate names are all reported at once,
 * each with file, line and rule name.
 */
public final class RuleSet {

    public static final String DEFAULT_RESOURCE = "/io/pgpulse/processor/rule/rules.yaml";

    private final List<Rule> rules;

    public RuleSet(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    public List<Rule> rules() {
        return rules;
    }

    public static RuleSet defaults() {
        try (InputStream in = RuleSet.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULT_RESOURCE);
            }
            ConfigProblems problems = new ConfigProblems();
            RuleSet rules = load(ConfigNode.parse(in, "rules.yaml (built in)", problems), problems);
            problems.throwIfAny("built-in rules");
            return rules;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RuleSet load(Path file) {
        ConfigProblems problems = new ConfigProblems();
        RuleSet rules = load(ConfigNode.parse(file, problems), problems);
        problems.throwIfAny("rule file " + file);
        return rules;
    }

    /** Reads rules from a parsed file, adding any problem to {@code problems}. */
    public static RuleSet load(ConfigNode root, ConfigProblems problems) {
        List<Rule> rules = new ArrayList<>();
        if (root == null) {
            return new RuleSet(rules);
        }
        root.allowOnly("groups");
        Set<String> names = new HashSet<>();
        for (ConfigNode group : root.list("groups", true)) {
            group.allowOnly("name", "rules");
            group.string("name");
            for (ConfigNode entry : group.list("rules", true)) {
                Rule rule = rule(entry);
                if (rule != null && !names.add(rule.name())) {
                    entry.problem("rule \"" + rule.name() + "\": expected a unique name, found it a second time");
                } else if (rule != null) {
                    rules.add(rule);
                }
            }
        }
        return new RuleSet(rules);
    }

    private static Rule rule(ConfigNode entry) {
        entry.allowOnly("alert", "expr", "resolve", "for", "severity", "summary", "runbook");
        String name = entry.string("alert");
        String label = "rule \"" + name + "\": ";
        Condition when = condition(entry, "expr", label, true);
        Condition resolve = condition(entry, "resolve", label, false);
        if (when != null && resolve != null && when.scope() != resolve.scope()) {
            entry.problem(label + "resolve: expected metrics of scope " + when.scope().name().toLowerCase(Locale.ROOT)
                    + ", found " + resolve.scope().name().toLowerCase(Locale.ROOT));
        }
        Duration forDuration = entry.duration("for", Duration.ZERO);
        Severity severity = null;
        String severityText = entry.string("severity", "warning");
        try {
            severity = Severity.valueOf(severityText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            entry.problem(label + "severity: expected info, warning or critical, found " + severityText);
        }
        String summary = entry.string("summary");
        String runbook = entry.string("runbook");
        if (name == null || when == null || severity == null || summary == null || forDuration == null) {
            return null;
        }
        return new Rule(name, when, resolve, forDuration, severity, summary, runbook);
    }

    private static Condition condition(ConfigNode entry, String key, String label, boolean required) {
        ConfigNode node = required ? entry.require(key) : entry.get(key);
        if (node == null) {
            return null;
        }
        String text = node.asString();
        try {
            return Condition.parse(text);
        } catch (IllegalArgumentException e) {
            node.problem(label + e.getMessage());
            return null;
        }
    }
}
