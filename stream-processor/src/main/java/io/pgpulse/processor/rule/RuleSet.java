package io.pgpulse.processor.rule;

import io.pgpulse.avro.Severity;
import io.pgpulse.processor.metrics.MetricsFrame;
import io.pgpulse.processor.metrics.Scope;
import io.pgpulse.schemas.config.ConfigNode;
import io.pgpulse.schemas.config.ConfigProblems;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The alerting rules, loaded strictly from a file shaped like a Prometheus rule file:
 * groups of rules with {@code alert}, {@code expr}, {@code for}, {@code labels} and
 * {@code annotations}, plus pgpulse's own {@code resolve} (hysteresis), {@code window}
 * (what the rule is evaluated on), {@code severity}, {@code select} (which sources and
 * objects) and {@code overrides} (per-tag thresholds). Unknown keys, unknown metrics,
 * bad expressions, unknown template placeholders and duplicate names are all reported at
 * once, each with file, line and rule name.
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
        entry.allowOnly("alert", "expr", "resolve", "window", "for", "severity", "select", "labels", "annotations",
                "overrides");
        String name = entry.string("alert");
        String label = "rule \"" + name + "\": ";
        Condition when = condition(entry, "expr", label, true);
        Condition resolve = condition(entry, "resolve", label, false);
        checkScope(entry, label, when, resolve, "resolve");
        MetricsFrame.Kind window = window(entry, label);
        if (when != null && window != null && when.mentions(io.pgpulse.processor.metrics.Metric.SOURCE_SILENT_INTERVALS)
                && window != MetricsFrame.Kind.SNAPSHOT) {
            entry.require("window").problem(label + "expected snapshot for a rule on source.silent_intervals"
                    + " (the silence check runs on the wall clock, not on windows), found " + window.name().toLowerCase(Locale.ROOT));
        }
        Duration forDuration = entry.duration("for", Duration.ZERO);
        Severity severity = severity(entry, label, "warning");
        Selector selector = selector(entry.get("select"), label, when == null ? null : when.scope());
        Map<String, Template> labels = templates(entry.get("labels"), label, false);
        Map<String, Template> annotations = templates(entry.require("annotations"), label, true);
        List<Rule.TagOverride> overrides = overrides(entry, label, when);
        if (name == null || when == null || window == null || severity == null || forDuration == null
                || selector == null || annotations == null || labels == null || overrides == null
                || !annotations.containsKey("summary") || !annotations.containsKey("runbook")) {
            return null;
        }
        Template summary = annotations.remove("summary");
        Template runbook = annotations.remove("runbook");
        return new Rule(name, when, resolve, window, forDuration, severity, selector, labels, summary, runbook,
                annotations, overrides);
    }

    private static void checkScope(ConfigNode entry, String label, Condition when, Condition other, String key) {
        if (when != null && other != null && when.scope() != other.scope()) {
            entry.require(key).problem(label + "expected metrics of scope " + when.scope().name().toLowerCase(Locale.ROOT)
                    + ", found " + other.scope().name().toLowerCase(Locale.ROOT));
        }
    }

    private static MetricsFrame.Kind window(ConfigNode entry, String label) {
        String text = entry.string("window", "snapshot");
        if (text == null) {
            return null;
        }
        try {
            return MetricsFrame.Kind.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            entry.require("window").problem(label + "expected snapshot, tumbling or hopping, found " + text);
            return null;
        }
    }

    private static Severity severity(ConfigNode entry, String label, String defaultValue) {
        String text = entry.string("severity", defaultValue);
        if (text == null) {
            return null;
        }
        try {
            return Severity.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            entry.problem(label + "severity: expected info, warning or critical, found " + text);
            return null;
        }
    }

    private static Selector selector(ConfigNode node, String label, Scope scope) {
        if (node == null) {
            return Selector.ALL;
        }
        node.allowOnly("source", "tags", "object");
        Pattern source = pattern(node, "source", label);
        Map<String, String> tags = node.stringMap("tags");
        Pattern object = pattern(node, "object", label);
        if (object != null && scope != null && scope != Scope.TABLE && scope != Scope.INDEX) {
            node.require("object").problem(label + "expected no object pattern for a rule of scope "
                    + scope.name().toLowerCase(Locale.ROOT) + " (only tables and indexes have schema.name)");
        }
        boolean bad = (node.has("source") && source == null) || (node.has("object") && object == null);
        return bad ? null : new Selector(source, tags, object);
    }

    private static Pattern pattern(ConfigNode node, String key, String label) {
        String text = node.string(key, null);
        if (text == null) {
            return null;
        }
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            node.require(key).problem(label + "expected a regular expression, found '" + text + "': " + e.getDescription());
            return null;
        }
    }

    private static Map<String, Template> templates(ConfigNode node, String label, boolean annotations) {
        Map<String, Template> out = new LinkedHashMap<>();
        if (node == null) {
            return annotations ? null : out;
        }
        if (!node.isMapping()) {
            node.problem(label + "expected a mapping of names to texts");
            return null;
        }
        boolean ok = true;
        for (String key : node.keys()) {
            ConfigNode value = node.get(key);
            String text = value.asString();
            if (text == null) {
                ok = false;
                continue;
            }
            Template template = new Template(text);
            for (String unknown : template.unknownPlaceholders()) {
                value.problem(label + "unknown placeholder {{" + unknown + "}}; known: "
                        + String.join(", ", new java.util.TreeSet<>(Template.VARIABLES)) + ", tags.<tag>");
                ok = false;
            }
            out.put(key, template);
        }
        if (annotations) {
            for (String required : List.of("summary", "runbook")) {
                if (!out.containsKey(required)) {
                    node.problem(required + ": required but missing");
                    ok = false;
                }
            }
        }
        return ok ? out : null;
    }

    private static List<Rule.TagOverride> overrides(ConfigNode entry, String label, Condition when) {
        List<Rule.TagOverride> out = new ArrayList<>();
        boolean ok = true;
        for (ConfigNode o : entry.list("overrides", false)) {
            o.allowOnly("tags", "expr", "resolve", "threshold", "for", "severity", "enabled");
            Map<String, String> tags = o.stringMap("tags");
            if (!o.has("tags")) {
                o.problem(label + "tags: required but missing (an override applies to the sources carrying them)");
                ok = false;
            }
            Condition w = condition(o, "expr", label, false);
            Condition r = condition(o, "resolve", label, false);
            checkScope(o, label, when, w, "expr");
            checkScope(o, label, when, r, "resolve");
            Double threshold = o.has("threshold") ? o.number("threshold") : null;
            Duration forDuration = o.has("for") ? o.duration("for", null) : null;
            Severity severity = o.has("severity") ? severity(o, label, null) : null;
            Boolean enabled = o.has("enabled") ? o.bool("enabled", true) : null;
            if ((o.has("expr") && w == null) || (o.has("resolve") && r == null) || (o.has("threshold") && threshold == null)
                    || (o.has("for") && forDuration == null) || (o.has("severity") && severity == null)) {
                ok = false;
                continue;
            }
            out.add(new Rule.TagOverride(tags, w, r, threshold, forDuration, severity, enabled));
        }
        return ok ? List.copyOf(out) : null;
    }

    private static Condition condition(ConfigNode entry, String key, String label, boolean required) {
        ConfigNode node = required ? entry.require(key) : entry.get(key);
        if (node == null) {
            return null;
        }
        String text = node.asString();
        if (text == null) {
            return null;
        }
        try {
            return Condition.parse(text);
        } catch (IllegalArgumentException e) {
            node.problem(label + e.getMessage());
            return null;
        }
    }
}
