package io.pgpulse.sink.routing;

import io.pgpulse.schemas.config.ConfigNode;
import io.pgpulse.schemas.config.ConfigProblems;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The routing file ({@code deploy/routing.sample.yaml} shows every key), in the shape of
 * Alertmanager's configuration: {@code channels} (Alertmanager's receivers), a
 * {@code route} tree and {@code inhibit_rules}. Loading is strict: unknown keys, a route
 * naming a missing channel, a bad matcher or duration are all reported at once, each
 * with file, line and field.
 */
public record RoutingConfig(Map<String, ChannelSpec> channels, Route route, List<InhibitRule> inhibitRules) {

    /** Alertmanager's defaults for the root route. */
    public static final Duration DEFAULT_GROUP_WAIT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_GROUP_INTERVAL = Duration.ofMinutes(5);
    public static final Duration DEFAULT_REPEAT_INTERVAL = Duration.ofHours(4);

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9._-]+");

    public RoutingConfig {
        channels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(channels));
        inhibitRules = List.copyOf(inhibitRules);
    }

    /**
     * What pgpulse does with only {@code sink.webhook_url}: every alert event to that
     * webhook at once, each alert its own group, reminded after the default repeat interval.
     */
    public static RoutingConfig webhookOnly(URI url) {
        ChannelSpec webhook = ChannelSpec.webhook("webhook", url);
        Route root = new Route("route", webhook.name(), List.of(), List.of(Route.EVERY_LABEL), Duration.ZERO,
                Duration.ZERO, DEFAULT_REPEAT_INTERVAL, false, List.of());
        return new RoutingConfig(Map.of(webhook.name(), webhook), root, List.of());
    }

    public static RoutingConfig load(Path file, Function<String, String> env) {
        ConfigProblems problems = new ConfigProblems();
        if (!Files.isRegularFile(file)) {
            problems.add(file + ": no such file");
            problems.throwIfAny("routing");
        }
        ConfigNode root = ConfigNode.parse(file, problems);
        RoutingConfig config = root == null ? null : from(root, env);
        problems.throwIfAny("routing " + file);
        return config;
    }

    public static RoutingConfig load(InputStream in, String origin, Function<String, String> env) {
        ConfigProblems problems = new ConfigProblems();
        ConfigNode root = ConfigNode.parse(in, origin, problems);
        RoutingConfig config = root == null ? null : from(root, env);
        problems.throwIfAny("routing " + origin);
        return config;
    }

    static RoutingConfig from(ConfigNode root, Function<String, String> env) {
        root.allowOnly("channels", "route", "inhibit_rules");
        Map<String, ChannelSpec> channels = new LinkedHashMap<>();
        List<ConfigNode> entries = root.list("channels", true);
        if (root.has("channels") && entries.isEmpty()) {
            root.require("channels").problem("expected at least one channel");
        }
        for (ConfigNode entry : entries) {
            ChannelSpec spec = channel(entry, env);
            if (spec != null && channels.putIfAbsent(spec.name(), spec) != null) {
                entry.problem("channel \"" + spec.name() + "\" is declared twice");
            }
        }
        Route route = null;
        ConfigNode routeNode = root.require("route");
        if (routeNode != null) {
            if (routeNode.has("matchers")) {
                routeNode.require("matchers").problem("the root route matches every alert; put matchers on its routes");
            }
            if (routeNode.has("continue")) {
                routeNode.require("continue").problem("the root route has no siblings to continue to");
            }
            Route defaults = new Route("route", "", List.of(), List.of(), DEFAULT_GROUP_WAIT, DEFAULT_GROUP_INTERVAL,
                    DEFAULT_REPEAT_INTERVAL, false, List.of());
            route = route(routeNode, defaults, channels);
        }
        List<InhibitRule> inhibit = new ArrayList<>();
        for (ConfigNode rule : root.list("inhibit_rules", false)) {
            rule.allowOnly("source_matchers", "target_matchers", "equal");
            List<Matcher> source = matchers(rule, "source_matchers", true);
            List<Matcher> target = matchers(rule, "target_matchers", true);
            List<String> equal = strings(rule, "equal");
            inhibit.add(new InhibitRule(source, target, equal));
        }
        return new RoutingConfig(channels, route, inhibit);
    }

    private static ChannelSpec channel(ConfigNode node, Function<String, String> env) {
        node.allowOnly("name", "webhook", "slack", "alertmanager");
        String name = node.string("name");
        if (name != null && !NAME.matcher(name).matches()) {
            node.require("name").problem("expected letters, digits, '.', '_' or '-', found '" + name + "'");
            name = null;
        }
        List<String> kinds = new ArrayList<>();
        for (String kind : List.of("webhook", "slack", "alertmanager")) {
            if (node.has(kind)) {
                kinds.add(kind);
            }
        }
        if (kinds.size() != 1) {
            node.problem("expected exactly one of webhook, slack, alertmanager, found "
                    + (kinds.isEmpty() ? "none" : String.join(", ", kinds)));
            return null;
        }
        ConfigNode settings = node.require(kinds.get(0));
        ChannelSpec.Kind kind = ChannelSpec.Kind.valueOf(kinds.get(0).toUpperCase(java.util.Locale.ROOT));
        switch (kind) {
            case WEBHOOK -> settings.allowOnly("url", "url_env", "timeout", "attempts");
            case SLACK -> settings.allowOnly("url", "url_env", "timeout", "attempts", "channel", "runbook_url");
            case ALERTMANAGER -> settings.allowOnly("url", "url_env", "timeout", "attempts", "resend_interval", "generator_url");
        }
        URI url = url(settings, env);
        Duration timeout = settings.duration("timeout", ChannelSpec.DEFAULT_TIMEOUT);
        if (timeout != null && timeout.isZero()) {
            settings.require("timeout").problem("expected a positive duration, found 0");
        }
        Double attempts = settings.has("attempts") ? settings.number("attempts") : (double) ChannelSpec.DEFAULT_ATTEMPTS;
        if (attempts != null && (attempts < 1 || attempts != Math.rint(attempts))) {
            settings.require("attempts").problem("expected a whole number of at least 1, found " + attempts);
            attempts = null;
        }
        Duration resend = kind == ChannelSpec.Kind.ALERTMANAGER ? settings.duration("resend_interval", null) : null;
        if (resend != null && resend.isZero()) {
            settings.require("resend_interval").problem("expected a positive duration, found 0");
        }
        if (name == null || url == null || timeout == null || attempts == null) {
            return null;
        }
        return new ChannelSpec(name, kind, url, timeout, attempts.intValue(),
                kind == ChannelSpec.Kind.SLACK ? settings.string("channel", null) : null,
                kind == ChannelSpec.Kind.SLACK ? settings.string("runbook_url", null) : null,
                resend,
                kind == ChannelSpec.Kind.ALERTMANAGER ? settings.string("generator_url", null) : null);
    }

    private static URI url(ConfigNode settings, Function<String, String> env) {
        String text;
        ConfigNode where;
        if (settings.has("url") && settings.has("url_env")) {
            settings.problem("url: give either url or url_env, not both");
            return null;
        } else if (settings.has("url_env")) {
            where = settings.require("url_env");
            String variable = where.asString();
            text = variable == null ? null : env.apply(variable);
            if (variable != null && text == null) {
                where.problem("environment variable " + variable + " is not set");
                return null;
            }
        } else {
            where = settings.require("url");
            text = where == null ? null : where.asString();
        }
        if (text == null) {
            return null;
        }
        try {
            URI url = URI.create(text);
            if (("http".equals(url.getScheme()) || "https".equals(url.getScheme())) && url.getHost() != null) {
                return url;
            }
        } catch (IllegalArgumentException e) {
            // reported below with the field's location
        }
        where.problem("expected an http or https URL, found '" + text + "'");
        return null;
    }

    private static Route route(ConfigNode node, Route parent, Map<String, ChannelSpec> channels) {
        node.allowOnly("channel", "matchers", "group_by", "group_wait", "group_interval", "repeat_interval", "continue",
                "routes");
        String channel = node.string("channel", parent.channel());
        if (node.has("channel") && channel != null && !channels.containsKey(channel)) {
            node.require("channel").problem("no channel named \"" + channel + "\"; declared: "
                    + (channels.isEmpty() ? "none" : String.join(", ", channels.keySet())));
        } else if (channel == null || channel.isEmpty()) {
            node.problem("channel: required but missing");
        }
        List<Matcher> matchers = matchers(node, "matchers", false);
        List<String> groupBy = node.has("group_by") ? strings(node, "group_by") : parent.groupBy();
        if (groupBy.contains(Route.EVERY_LABEL) && groupBy.size() > 1) {
            node.require("group_by").problem("'...' groups by every label and stands alone, found " + groupBy);
        }
        Duration groupWait = node.duration("group_wait", parent.groupWait());
        Duration groupInterval = node.duration("group_interval", parent.groupInterval());
        Duration repeat = node.duration("repeat_interval", parent.repeatInterval());
        if (node.has("repeat_interval") && repeat != null && repeat.isZero()) {
            node.require("repeat_interval").problem("expected a positive duration, found 0");
        }
        boolean cont = node.bool("continue", false);
        String id = node.path();
        Route self = new Route(id, channel == null ? "" : channel, matchers, groupBy,
                orZero(groupWait), orZero(groupInterval), repeat == null ? DEFAULT_REPEAT_INTERVAL : repeat, cont, List.of());
        List<Route> children = new ArrayList<>();
        for (ConfigNode child : node.list("routes", false)) {
            children.add(route(child, self, channels));
        }
        return new Route(id, self.channel(), matchers, groupBy, self.groupWait(), self.groupInterval(),
                self.repeatInterval(), cont, children);
    }

    private static Duration orZero(Duration d) {
        return d == null ? Duration.ZERO : d;
    }

    private static List<Matcher> matchers(ConfigNode node, String key, boolean required) {
        List<ConfigNode> items = node.list(key, required);
        if (required && node.has(key) && items.isEmpty()) {
            node.require(key).problem("expected at least one matcher");
        }
        List<Matcher> matchers = new ArrayList<>();
        for (ConfigNode item : items) {
            String text = item.asString();
            if (text == null) {
                continue;
            }
            try {
                matchers.add(Matcher.parse(text));
            } catch (IllegalArgumentException e) {
                item.problem(e.getMessage());
            }
        }
        return matchers;
    }

    private static List<String> strings(ConfigNode node, String key) {
        List<String> values = new ArrayList<>();
        for (ConfigNode item : node.list(key, false)) {
            String text = item.asString();
            if (text != null) {
                values.add(text);
            }
        }
        return values;
    }

    /** The channels at least one route notifies, in declaration order. */
    public List<ChannelSpec> routedChannels() {
        java.util.Set<String> used = new java.util.HashSet<>();
        route.flatten().forEach(r -> used.add(r.channel()));
        return channels.values().stream().filter(c -> used.contains(c.name())).toList();
    }
}
