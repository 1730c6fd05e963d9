package io.pgpulse.schemas.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A node of a YAML configuration file that remembers where it came from, for strict
 * loading: every accessor reports a problem naming {@code file:line} and the field
 * when a value is missing or of the wrong kind, and {@link #allowOnly} reports keys
 * nobody reads. Accessors return null (or the default) after reporting, so a loader
 * can go on and find every problem in one pass.
 */
public final class ConfigNode {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern BYTE_SIZE = Pattern.compile("(\\d+)\\s*([kKmMgGtT][bB]|[bB])?");

    private final String origin;
    private final Node node;
    private final String path;
    private final ConfigProblems problems;

    private ConfigNode(String origin, Node node, String path, ConfigProblems problems) {
        this.origin = origin;
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    /** Parses a whole file; a syntax error is reported as a problem and yields null. */
    public static ConfigNode parse(Path file, ConfigProblems problems) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(reader, file.toString(), problems);
        } catch (IOException e) {
            problems.add(file + ": cannot read: " + e.getMessage());
            return null;
        }
    }

    public static ConfigNode parse(InputStream in, String origin, ConfigProblems problems) {
        return parse(new InputStreamReader(in, StandardCharsets.UTF_8), origin, problems);
    }

    public static ConfigNode parse(Reader reader, String origin, ConfigProblems problems) {
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            Node root = new Yaml(options).compose(reader);
            if (root == null) {
                problems.add(origin + ": the file is empty");
                return null;
            }
            return new ConfigNode(origin, root, "", problems);
        } catch (MarkedYAMLException e) {
            problems.add(origin + ":" + (e.getProblemMark().getLine() + 1) + ": " + e.getProblem());
            return null;
        } catch (RuntimeException e) {
            problems.add(origin + ": not valid YAML: " + e.getMessage());
            return null;
        }
    }

    public int line() {
        return node.getStartMark().getLine() + 1;
    }

    /** {@code file:line} of this node. */
    public String where() {
        return origin + ":" + line();
    }

    /** The dotted path of this node from the root, e.g. {@code targets[0].url}. */
    public String path() {
        return path;
    }

    public ConfigProblems problems() {
        return problems;
    }

    /** Reports a problem at this node. */
    public void problem(String message) {
        problems.add(where() + ": " + (path.isEmpty() ? "" : path + ": ") + message);
    }

    public boolean isMapping() {
        return node instanceof MappingNode;
    }

    /** Reports every key of this mapping not in {@code allowed}. */
    public void allowOnly(String... allowed) {
        if (!(node instanceof MappingNode mapping)) {
            problem("expected a mapping, found " + kind(node));
            return;
        }
        Set<String> known = new LinkedHashSet<>(Arrays.asList(allowed));
        for (NodeTuple tuple : mapping.getValue()) {
            String key = scalar(tuple.getKeyNode());
            if (!known.contains(key)) {
                problems.add(origin + ":" + (tuple.getKeyNode().getStartMark().getLine() + 1) + ": "
                        + join(path, key) + ": unknown key; expected one of " + String.join(", ", known));
            }
        }
    }

    public boolean has(String key) {
        return child(key) != null;
    }

    /** The child under {@code key}, or null (without a problem) when absent. */
    public ConfigNode get(String key) {
        return child(key);
    }

    /** The child under {@code key}; a problem when absent. */
    public ConfigNode require(String key) {
        ConfigNode child = child(key);
        if (child == null) {
            problem(key + ": required but missing");
        }
        return child;
    }

    public String string(String key) {
        ConfigNode child = require(key);
        return child == null ? null : child.asString();
    }

    public String string(String key, String defaultValue) {
        ConfigNode child = child(key);
        return child == null ? defaultValue : child.asString();
    }

    public String asString() {
        if (!(node instanceof ScalarNode scalar)) {
            problem("expected a text value, found " + kind(node));
            return null;
        }
        return scalar.getValue();
    }

    public Double number(String key) {
        ConfigNode child = require(key);
        return child == null ? null : child.asNumber();
    }

    public Double asNumber() {
        String text = asString();
        if (text == null) {
            return null;
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            problem("expected a number, found '" + text + "'");
            return null;
        }
    }

    public Boolean bool(String key, boolean defaultValue) {
        ConfigNode child = child(key);
        if (child == null) {
            return defaultValue;
        }
        String text = child.asString();
        if ("true".equals(text) || "false".equals(text)) {
            return Boolean.valueOf(text);
        }
        child.problem("expected true or false, found '" + text + "'");
        return defaultValue;
    }

    /** A duration such as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 7d}. */
    public Duration duration(String key, Duration defaultValue) {
        ConfigNode child = child(key);
        return child == null ? defaultValue : child.asDuration();
    }

    public Duration asDuration() {
        String text = asString();
        if (text == null) {
            return null;
        }
        Duration parsed = parseDuration(text);
        if (parsed == null) {
            problem("expected a duration like 500ms, 10s, 5m, 1h or 7d, found '" + text + "'");
        }
        return parsed;
    }

    /** Parses {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 7d}; null when it is none of them. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** A size such as {@code 512MB}, {@code 20GB}, {@code 1TB} (powers of 1024), or plain bytes. */
    public Long byteSize(String key, Long defaultValue) {
        ConfigNode child = child(key);
        if (child == null) {
            return defaultValue;
        }
        String text = child.asString();
        Long parsed = text == null ? null : parseByteSize(text);
        if (text != null && parsed == null) {
            child.problem("expected a size like 512MB, 20GB or 1TB, found '" + text + "'");
        }
        return parsed;
    }

    /** Parses {@code 123}, {@code 64kB}, {@code 512MB}, {@code 20GB}, {@code 1TB} (units of 1024, case-insensitive). */
    public static Long parseByteSize(String text) {
        Matcher m = BYTE_SIZE.matcher(text.strip());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toUpperCase(java.util.Locale.ROOT);
        int shift = switch (unit) {
            case "", "B" -> 0;
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            default -> 40;
        };
        return n > (Long.MAX_VALUE >> shift) ? null : n << shift;
    }

    /** The items of the sequence under {@code key}; empty (and a problem if required) when absent. */
    public List<ConfigNode> list(String key, boolean required) {
        ConfigNode child = required ? require(key) : child(key);
        if (child == null) {
            return List.of();
        }
        if (!(child.node instanceof SequenceNode sequence)) {
            child.problem("expected a list, found " + kind(child.node));
            return List.of();
        }
        List<ConfigNode> items = new ArrayList<>();
        for (int i = 0; i < sequence.getValue().size(); i++) {
            items.add(new ConfigNode(origin, sequence.getValue().get(i), child.path + "[" + i + "]", problems));
        }
        return items;
    }

    /** A mapping of text to text under {@code key} (e.g. tags); empty when absent. */
    public Map<String, String> stringMap(String key) {
        ConfigNode child = child(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (child == null) {
            return out;
        }
        if (!(child.node instanceof MappingNode mapping)) {
            child.problem("expected a mapping of names to values, found " + kind(child.node));
            return out;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            ConfigNode value = new ConfigNode(origin, tuple.getValueNode(), join(child.path, scalar(tuple.getKeyNode())), problems);
            String text = value.asString();
            if (text != null) {
                out.put(scalar(tuple.getKeyNode()), text);
            }
        }
        return out;
    }

    /** The keys of this mapping, in file order. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        if (node instanceof MappingNode mapping) {
            mapping.getValue().forEach(t -> keys.add(scalar(t.getKeyNode())));
        }
        return keys;
    }

    private ConfigNode child(String key) {
        if (!(node instanceof MappingNode mapping)) {
            return null;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            if (key.equals(scalar(tuple.getKeyNode()))) {
                Node value = tuple.getValueNode();
                if (value instanceof ScalarNode s && "null".equals(s.getTag().getValue().replace("tag:yaml.org,2002:", ""))) {
                    return null;
                }
                return new ConfigNode(origin, value, join(path, key), problems);
            }
        }
        return null;
    }

    private static String scalar(Node node) {
        return node instanceof ScalarNode s ? s.getValue() : String.valueOf(node);
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return "'" + scalar(node) + "'";
    }
}
