package io.pgpulse.launcher.config;

import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.collector.CollectorSettings;
import io.pgpulse.collector.command.ExecutorPolicy;
import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.metric.MetricGroup;
import io.pgpulse.collector.target.DiscoveryConfig;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.processor.PipelineTopology;
import io.pgpulse.processor.StreamProcessorApp;
import io.pgpulse.processor.rule.RuleSet;
import io.pgpulse.processor.window.WindowSpec;
import io.pgpulse.schemas.command.MaintenanceWindow;
import io.pgpulse.schemas.command.SigningKeys;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.config.ConfigNode;
import io.pgpulse.schemas.config.ConfigProblems;
import java.io.IOException;
import io.pgpulse.schemas.config.ConfigException;
import io.pgpulse.sink.routing.RoutingConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The whole pgpulse configuration file ({@code deploy/pgpulse.sample.yaml} shows every
 * key). Only {@code targets} is required; every other setting has a default taken
 * from the tuning guide. Loading is strict: unknown keys and bad values are refused,
 * all at once, each with file, line and field.
 */
public record PgpulseConfig(Kafka kafka, List<TargetConfig> targets, Processor processor, Sink sink,
                            Remediation remediation, CollectorSettings collector) {

    /** A configuration with the collector's defaults (no discovery, no self-metrics endpoint). */
    public PgpulseConfig(Kafka kafka, List<TargetConfig> targets, Processor processor, Sink sink, Remediation remediation) {
        this(kafka, targets, processor, sink, remediation, CollectorSettings.defaults());
    }

    /** Where Kafka and the registry are; both null means: start the embedded ones. */
    public record Kafka(String bootstrapServers, String registryUrl, Topics topics) {
        public boolean embedded() {
            return bootstrapServers == null;
        }
    }

    /**
     * @param window          size of the tumbling metric windows
     * @param hoppingWindow   size of the hopping metric windows, zero for none
     * @param hoppingAdvance  how often a hopping window starts
     * @param grace           lateness tolerated for a snapshot
     * @param slowStatement   a statement whose mean time in a window exceeds this is slow
     * @param standbyReplicas warm copies of the processor's state on other instances
     * @param apiAddress      where the fleet API (GET /fleet, /sources/{id}, /alerts) listens, or null for none
     * @param stores          where the state stores keep their data locally
     * @param stateCacheSources sources per task whose decoded state is also kept in memory
     * @param rulesFile       a rule file replacing the built-in rules, or null
     * @param stateDir        where the stream processor keeps its state
     */
    public record Processor(Duration window, Duration hoppingWindow, Duration hoppingAdvance, Duration grace,
                            Duration slowStatement, int standbyReplicas, InetSocketAddress apiAddress,
                            PipelineTopology.StoreKind stores, int stateCacheSources, Path rulesFile, Path stateDir) {

        /** Tumbling windows of {@code window}, hopping ones five times as long every {@code window}, no fleet API. */
        public Processor(Duration window, Duration grace, Path rulesFile, Path stateDir) {
            this(window, window.multipliedBy(5), window, grace, DEFAULT_SLOW_STATEMENT, 0, null,
                    PipelineTopology.StoreKind.PERSISTENT, PipelineTopology.Settings.DEFAULT_STATE_CACHE_SOURCES, rulesFile,
                    stateDir);
        }

        /** The same with the fleet API on {@code address}. */
        public Processor withApiAddress(InetSocketAddress address) {
            return new Processor(window, hoppingWindow, hoppingAdvance, grace, slowStatement, standbyReplicas, address,
                    stores, stateCacheSources, rulesFile, stateDir);
        }

        /** The topology's settings this section stands for. */
        public PipelineTopology.Settings settings() {
            PipelineTopology.Settings d = PipelineTopology.Settings.defaults();
            WindowSpec windows = new WindowSpec(window, hoppingWindow, hoppingAdvance, grace);
            return new PipelineTopology.Settings(windows, d.remediationPatience(), slowStatement.toNanos() / 1_000_000.0,
                    d.silenceCheck(), d.closeBudget(), PipelineTopology.Settings.defaultCloseSpread(windows),
                    d.drainInterval(), stores, stateCacheSources);
        }
    }

    /**
     * @param webhookUrl where to post alert events, or null
     * @param routing    channels, routes and inhibition from {@code routing_file}, or null (then: the webhook alone)
     * @param history    where the alert history is kept, or null for none
     * @param apiAddress where the sink's HTTP API (silences, commands) listens, or null for none
     */
    public record Sink(URI webhookUrl, RoutingConfig routing, History history, InetSocketAddress apiAddress) {

        /** Every alert event to one webhook (or none), with the HTTP API on {@code apiAddress} (or none). */
        public static Sink webhookOnly(URI webhookUrl, InetSocketAddress apiAddress) {
            return new Sink(webhookUrl, null, null, apiAddress);
        }

        /** The routing in force: the routing file's, or every event to the webhook, or none. */
        public Optional<RoutingConfig> effectiveRouting() {
            if (routing != null) {
                return Optional.of(routing);
            }
            return Optional.ofNullable(webhookUrl).map(RoutingConfig::webhookOnly);
        }
    }

    /**
     * @param url       JDBC URL of the database holding the {@code pgpulse} history schema
     * @param retention rows older than this are deleted, default {@link #DEFAULT_HISTORY_RETENTION}
     */
    public record History(String url, String user, String password, Duration retention) {
    }

    /**
     * @param enabled    whether FIRING alerts lead to maintenance commands (the sink's side)
     * @param dryRun     commands are checked and recorded by the agents but never executed
     * @param policyFile the remediation policy, or null for the built-in one
     * @param keys       keys commands are signed with (sink) and checked against (agents); null: none
     *                   configured, so agents refuse every command
     * @param executor   what the agents allow, whatever the sink asks
     */
    public record Remediation(boolean enabled, boolean dryRun, Path policyFile, SigningKeys keys, ExecutorPolicy executor) {
    }

    public static final String DEFAULT_KEYS_ENV = "PGPULSE_COMMAND_KEYS";
    public static final Duration DEFAULT_HISTORY_RETENTION = Duration.ofDays(90);
    /** Where the sink's HTTP API listens unless {@code sink.api_listen} says otherwise ({@code off}: nowhere). */
    public static final String DEFAULT_API_LISTEN = "127.0.0.1:9095";

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    /** Where the agent's Prometheus self-metrics answer unless {@code collector.metrics_listen} says otherwise. */
    public static final String DEFAULT_METRICS_LISTEN = "127.0.0.1:9188";
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_HOPPING_WINDOW = Duration.ofMinutes(5);
    public static final Duration DEFAULT_HOPPING_ADVANCE = Duration.ofMinutes(1);
    public static final Duration DEFAULT_SLOW_STATEMENT = Duration.ofMillis(100);
    /** Where the stream processor's fleet API listens unless {@code processor.api_listen} says otherwise. */
    public static final String DEFAULT_PROCESSOR_API_LISTEN = "127.0.0.1:9096";

    public static PgpulseConfig load(Path file) {
        return load(file, System::getenv);
    }

    /** Loads {@code file}; {@code env} resolves {@code password_env} (a parameter so tests need no real environment). */
    public static PgpulseConfig load(Path file, Function<String, String> env) {
        ConfigProblems problems = new ConfigProblems();
        if (!Files.isRegularFile(file)) {
            problems.add(file + ": no such file");
            problems.throwIfAny("configuration");
        }
        ConfigNode root = ConfigNode.parse(file, problems);
        Path dir = file.toAbsolutePath().getParent();
        PgpulseConfig config = root == null ? null : from(root, env, dir);
        problems.throwIfAny("configuration " + file);
        return config;
    }

    static PgpulseConfig from(ConfigNode root, Function<String, String> env, Path dir) {
        root.allowOnly("kafka", "targets", "collector", "processor", "sink", "remediation");
        Kafka kafka = kafka(root.get("kafka"));
        List<TargetConfig> targets = new ArrayList<>();
        List<DiscoveryConfig> discoveries = new ArrayList<>();
        List<ConfigNode> entries = root.list("targets", true);
        if (root.has("targets") && entries.isEmpty()) {
            root.require("targets").problem("expected at least one target");
        }
        Set<String> sources = new HashSet<>();
        for (ConfigNode entry : entries) {
            if (entry.has("discover")) {
                entry.allowOnly("discover");
                DiscoveryConfig discovery = discovery(entry.get("discover"), env);
                if (discovery != null) {
                    discoveries.add(discovery);
                }
                continue;
            }
            TargetConfig target = target(entry, env, false);
            if (target != null && !sources.add(target.sourceId().toString())) {
                entry.problem("source " + target.sourceId() + " is listed twice");
            } else if (target != null) {
                targets.add(target);
            }
        }
        CollectorSettings collector = collector(root.get("collector"), discoveries);
        return new PgpulseConfig(kafka, targets, processor(root.get("processor"), dir), sink(root.get("sink"), env, dir),
                remediation(root.get("remediation"), env), collector);
    }

    /** {@code discover:} every database of one cluster, reached through {@code url}. */
    private static DiscoveryConfig discovery(ConfigNode node, Function<String, String> env) {
        TargetConfig seed = target(node, env, true);
        java.util.regex.Pattern include = pattern(node, "include");
        java.util.regex.Pattern exclude = pattern(node, "exclude");
        Duration refresh = node.duration("refresh", DiscoveryConfig.DEFAULT_REFRESH);
        if (seed == null || refresh == null) {
            return null;
        }
        try {
            return new DiscoveryConfig(seed, include, exclude, refresh);
        } catch (IllegalArgumentException e) {
            node.require("refresh").problem(e.getMessage());
            return null;
        }
    }

    private static java.util.regex.Pattern pattern(ConfigNode node, String key) {
        String text = node.string(key, null);
        if (text == null) {
            return null;
        }
        try {
            return java.util.regex.Pattern.compile(text);
        } catch (java.util.regex.PatternSyntaxException e) {
            node.require(key).problem("expected a regular expression, found '" + text + "': " + e.getDescription());
            return null;
        }
    }

    private static CollectorSettings collector(ConfigNode node, List<DiscoveryConfig> discoveries) {
        CollectorSettings defaults = CollectorSettings.defaults();
        if (node == null) {
            return defaults.withDiscoveries(discoveries)
                    .withMetricsAddress(resolved(apiAddress(null, DEFAULT_METRICS_LISTEN)));
        }
        node.allowOnly("threads", "buffer_snapshots", "flush_timeout", "metrics_listen", "group_intervals");
        int threads = positiveInt(node, "threads", defaults.threads());
        int buffer = positiveInt(node, "buffer_snapshots", defaults.bufferSnapshots());
        Duration flush = node.duration("flush_timeout", defaults.flushTimeout());
        InetSocketAddress metrics = resolved(apiAddress(node.get("metrics_listen"), DEFAULT_METRICS_LISTEN));
        Map<String, Duration> intervals = new java.util.LinkedHashMap<>();
        ConfigNode groups = node.get("group_intervals");
        if (groups != null) {
            Set<String> known = new java.util.LinkedHashSet<>();
            MetricCatalog.defaults().groups().stream().map(MetricGroup::name).forEach(known::add);
            groups.allowOnly(known.toArray(String[]::new));
            for (String name : groups.keys()) {
                Duration interval = groups.duration(name, null);
                if (interval != null && known.contains(name)) {
                    intervals.put(name, interval);
                }
            }
        }
        return new CollectorSettings(threads, buffer, flush == null ? defaults.flushTimeout() : flush, intervals,
                metrics, discoveries);
    }

    private static InetSocketAddress resolved(InetSocketAddress unresolved) {
        return unresolved == null ? null : new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
    }

    private static int positiveInt(ConfigNode node, String key, int defaultValue) {
        if (!node.has(key)) {
            return defaultValue;
        }
        Double n = node.number(key);
        if (n == null) {
            return defaultValue;
        }
        if (n < 1 || n != Math.rint(n) || n > Integer.MAX_VALUE) {
            node.require(key).problem("expected a whole number of at least 1, found " + n);
            return defaultValue;
        }
        return n.intValue();
    }

    private static Kafka kafka(ConfigNode node) {
        if (node == null) {
            return new Kafka(null, null, Topics.defaults());
        }
        node.allowOnly("bootstrap_servers", "schema_registry_url", "topic_prefix");
        String bootstrap = node.string("bootstrap_servers", null);
        String registry = node.string("schema_registry_url", null);
        if (bootstrap != null && registry == null) {
            node.problem("schema_registry_url: required when bootstrap_servers is set (the embedded registry runs only with the embedded broker)");
        }
        if (bootstrap == null && registry != null) {
            node.problem("bootstrap_servers: required when schema_registry_url is set");
        }
        String prefix = node.string("topic_prefix", Topics.DEFAULT_PREFIX);
        Topics topics = Topics.defaults();
        try {
            topics = new Topics(prefix);
        } catch (IllegalArgumentException e) {
            node.require("topic_prefix").problem(e.getMessage());
        }
        return new Kafka(bootstrap, registry, topics);
    }

    private static TargetConfig target(ConfigNode node, Function<String, String> env, boolean discovery) {
        List<String> keys = new ArrayList<>(List.of("cluster", "url", "user", "password", "password_env", "password_file",
                "interval", "tags", "sslmode"));
        if (discovery) {
            keys.addAll(List.of("include", "exclude", "refresh"));
        } else {
            keys.add("kind");
        }
        node.allowOnly(keys.toArray(String[]::new));
        String url = node.string("url");
        String user = node.string("user", "postgres");
        String password = password(node, env);
        Duration interval = node.duration("interval", DEFAULT_INTERVAL);
        Map<String, String> tags = node.stringMap("tags");
        String sslmode = node.string("sslmode", null);
        if (sslmode != null && !TargetConfig.SSL_MODES.contains(sslmode)) {
            node.require("sslmode").problem("expected one of disable, allow, prefer, require, verify-ca, verify-full, found "
                    + sslmode);
            sslmode = null;
        }
        MetricGroup.Console console = null;
        String kind = discovery ? null : node.string("kind", null);
        if (kind != null) {
            switch (kind) {
                case "postgres" -> console = MetricGroup.Console.POSTGRES;
                case "pgbouncer" -> console = MetricGroup.Console.PGBOUNCER;
                default -> node.require("kind").problem("expected postgres or pgbouncer (an admin console), found " + kind);
            }
        }
        if (url == null || interval == null) {
            return null;
        }
        String cluster = node.string("cluster", null);
        try {
            if (cluster == null) {
                cluster = hostPort(url);
            }
            TargetConfig target = new TargetConfig(cluster, url, user, password, interval, tags, sslmode, console);
            target.sourceId();
            return target;
        } catch (IllegalArgumentException e) {
            node.problem(e.getMessage());
            return null;
        }
    }

    private static String password(ConfigNode node, Function<String, String> env) {
        int given = (node.has("password") ? 1 : 0) + (node.has("password_env") ? 1 : 0) + (node.has("password_file") ? 1 : 0);
        if (given > 1) {
            node.problem("password: give at most one of password, password_env and password_file");
            return null;
        }
        if (node.has("password_env")) {
            String name = node.string("password_env");
            String value = env.apply(name);
            if (value == null) {
                node.require("password_env").problem("environment variable " + name + " is not set");
            }
            return value;
        }
        if (node.has("password_file")) {
            Path file = Path.of(node.string("password_file"));
            try {
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                node.require("password_file").problem("cannot read " + file + ": " + e.getMessage());
                return null;
            }
        }
        return node.string("password", null);
    }

    /** host:port of a JDBC URL, the default cluster name. */
    static String hostPort(String url) {
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("url must start with jdbc:postgresql://, found: " + url);
        }
        String rest = url.substring("jdbc:postgresql://".length());
        int slash = rest.indexOf('/');
        String hostPort = slash < 0 ? rest : rest.substring(0, slash);
        return hostPort.contains(":") ? hostPort : hostPort + ":5432";
    }

    private static Processor processor(ConfigNode node, Path dir) {
        if (node == null) {
            return new Processor(DEFAULT_WINDOW, DEFAULT_HOPPING_WINDOW, DEFAULT_HOPPING_ADVANCE, DEFAULT_GRACE,
                    DEFAULT_SLOW_STATEMENT, StreamProcessorApp.DEFAULT_STANDBY_REPLICAS,
                    apiAddress(null, DEFAULT_PROCESSOR_API_LISTEN), PipelineTopology.StoreKind.PERSISTENT,
                    PipelineTopology.Settings.DEFAULT_STATE_CACHE_SOURCES, null, defaultStateDir());
        }
        node.allowOnly("window", "hopping_window", "hopping_advance", "grace", "slow_statement", "standby_replicas",
                "api_listen", "state_store", "state_cache_sources", "rules_file", "state_dir");
        Duration window = positive(node, "window", DEFAULT_WINDOW);
        Duration hopping = node.duration("hopping_window", DEFAULT_HOPPING_WINDOW);
        Duration advance = positive(node, "hopping_advance", DEFAULT_HOPPING_ADVANCE);
        Duration grace = node.duration("grace", DEFAULT_GRACE);
        Duration slow = positive(node, "slow_statement", DEFAULT_SLOW_STATEMENT);
        if (window != null && hopping != null && advance != null && !hopping.isZero()) {
            if (advance.compareTo(hopping) > 0 || hopping.toMillis() % advance.toMillis() != 0) {
                node.require("hopping_window").problem("expected a multiple of hopping_advance (" + advance.toSeconds()
                        + "s), found " + hopping.toSeconds() + "s");
            }
        }
        int standbys = count(node, "standby_replicas", StreamProcessorApp.DEFAULT_STANDBY_REPLICAS);
        int cached = count(node, "state_cache_sources", PipelineTopology.Settings.DEFAULT_STATE_CACHE_SOURCES);
        PipelineTopology.StoreKind stores = PipelineTopology.StoreKind.PERSISTENT;
        String storeText = node.string("state_store", "persistent");
        if ("in_memory".equals(storeText)) {
            stores = PipelineTopology.StoreKind.IN_MEMORY;
        } else if (storeText != null && !"persistent".equals(storeText)) {
            node.require("state_store").problem("expected persistent or in_memory, found " + storeText);
        }
        String rules = node.string("rules_file", null);
        // Relative to the configuration file, like routing_file; loaded now so that a bad rule
        // refuses the start together with every other problem.
        Path rulesFile = rules == null ? null : (dir == null ? Path.of(rules) : dir.resolve(rules));
        if (rulesFile != null && !Files.isRegularFile(rulesFile)) {
            node.require("rules_file").problem("no such file: " + rulesFile);
        } else if (rulesFile != null) {
            try {
                RuleSet.load(rulesFile);
            } catch (ConfigException e) {
                ConfigNode where = node.require("rules_file");
                e.problems().forEach(where::problem);
            }
        }
        String state = node.string("state_dir", null);
        InetSocketAddress api = apiAddress(node.get("api_listen"), DEFAULT_PROCESSOR_API_LISTEN);
        if (window == null || hopping == null || advance == null || grace == null || slow == null) {
            return null;
        }
        return new Processor(window, hopping, advance, grace, slow, standbys, api, stores, cached, rulesFile,
                state == null ? defaultStateDir() : Path.of(state));
    }

    private static int count(ConfigNode node, String key, int defaultValue) {
        if (!node.has(key)) {
            return defaultValue;
        }
        Double n = node.number(key);
        if (n != null && (n < 0 || n != Math.rint(n) || n > Integer.MAX_VALUE)) {
            node.require(key).problem("expected a whole number of at least 0, found " + n);
            return defaultValue;
        }
        return n == null ? defaultValue : n.intValue();
    }

    private static Duration positive(ConfigNode node, String key, Duration defaultValue) {
        Duration d = node.duration(key, defaultValue);
        if (d != null && (d.isZero() || d.isNegative())) {
            node.require(key).problem("expected a positive duration, found 0");
            return null;
        }
        return d;
    }

    private static Path defaultStateDir() {
        // Not under /tmp: the state must survive a reboot's cleanup, or it is rebuilt from changelogs.
        return Path.of(System.getProperty("user.home"), ".pgpulse", "streams");
    }

    private static Sink sink(ConfigNode node, Function<String, String> env, Path dir) {
        if (node == null) {
            return new Sink(null, null, null, apiAddress(null, DEFAULT_API_LISTEN));
        }
        node.allowOnly("webhook_url", "routing_file", "history", "api_listen");
        URI webhook = null;
        String url = node.string("webhook_url", null);
        if (url != null) {
            try {
                webhook = URI.create(url);
                if (!"http".equals(webhook.getScheme()) && !"https".equals(webhook.getScheme())) {
                    node.require("webhook_url").problem("expected an http or https URL, found " + url);
                }
            } catch (IllegalArgumentException e) {
                node.require("webhook_url").problem("expected a URL, found " + url);
            }
        }
        RoutingConfig routing = null;
        String routingFile = node.string("routing_file", null);
        if (routingFile != null && webhook != null) {
            node.require("routing_file").problem("give either webhook_url or routing_file (declare the webhook as a channel there)");
        } else if (routingFile != null) {
            try {
                // Relative to the configuration file, so the two can travel together.
                routing = RoutingConfig.load(dir.resolve(routingFile), env);
            } catch (ConfigException e) {
                ConfigNode where = node.require("routing_file");
                e.problems().forEach(p -> where.problem(p));
            }
        }
        return new Sink(webhook, routing, history(node.get("history"), env),
                apiAddress(node.get("api_listen"), DEFAULT_API_LISTEN));
    }

    private static History history(ConfigNode node, Function<String, String> env) {
        if (node == null) {
            return null;
        }
        node.allowOnly("url", "user", "password", "password_env", "password_file", "retention");
        String url = node.string("url");
        if (url != null && !url.startsWith("jdbc:postgresql:")) {
            node.require("url").problem("expected a jdbc:postgresql: URL, found " + url);
        }
        String user = node.string("user", "postgres");
        String password = password(node, env);
        Duration retention = node.duration("retention", DEFAULT_HISTORY_RETENTION);
        if (retention != null && retention.isZero()) {
            node.require("retention").problem("expected a positive duration, found 0");
        }
        return url == null ? null : new History(url, user, password, retention);
    }

    private static InetSocketAddress apiAddress(ConfigNode node, String defaultValue) {
        String text = node == null ? defaultValue : node.asString();
        if (text == null || text.equals("off")) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        try {
            if (colon > 0) {
                int port = Integer.parseInt(text.substring(colon + 1));
                if (port >= 0 && port <= 65535) {
                    return InetSocketAddress.createUnresolved(text.substring(0, colon), port);
                }
            }
        } catch (NumberFormatException e) {
            // reported below, with the field's location
        }
        if (node != null) {
            node.problem("expected host:port (e.g. 127.0.0.1:9095) or off, found '" + text + "'");
        }
        return null;
    }


    private static Remediation remediation(ConfigNode node, Function<String, String> env) {
        if (node == null) {
            return new Remediation(false, true, null, keys(null, null, env), ExecutorPolicy.defaults(keys(null, null, env)));
        }
        node.allowOnly("enabled", "dry_run", "policy_file", "signing_keys_env", "signing_keys_file", "executor");
        boolean enabled = node.bool("enabled", false);
        boolean dryRun = node.bool("dry_run", true);
        Path policyFile = null;
        String policy = node.string("policy_file", null);
        if (policy != null) {
            policyFile = Path.of(policy);
            if (!Files.isRegularFile(policyFile)) {
                node.require("policy_file").problem("no such file: " + policyFile);
            }
        }
        SigningKeys keys = keys(node, node.string("signing_keys_file", null), env);
        if (enabled && keys == null) {
            node.problem("signing keys: remediation is enabled but no keys are configured; set the environment variable "
                    + node.string("signing_keys_env", DEFAULT_KEYS_ENV) + " or signing_keys_file (id:base64secret, "
                    + "e.g. from `pgpulse remediation keygen`)");
        }
        ExecutorPolicy executor = ExecutorPolicy.defaults(keys);
        ConfigNode exec = node.get("executor");
        if (exec != null) {
            exec.allowOnly("allowed_actions", "windows", "lock_timeout", "max_object_size");
            Set<MaintenanceAction> allowed = EnumSet.noneOf(MaintenanceAction.class);
            List<ConfigNode> actions = exec.list("allowed_actions", false);
            for (ConfigNode action : actions) {
                String text = action.asString();
                try {
                    allowed.add(MaintenanceAction.valueOf(String.valueOf(text).toUpperCase(java.util.Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    action.problem("expected one of vacuum_analyze, analyze, reindex_index_concurrently, retention_delete, found " + text);
                }
            }
            List<MaintenanceWindow> windows = new ArrayList<>();
            for (ConfigNode window : exec.list("windows", false)) {
                try {
                    String text = window.asString();
                    if (text != null) {
                        windows.add(MaintenanceWindow.parse(text));
                    }
                } catch (IllegalArgumentException e) {
                    window.problem(e.getMessage());
                }
            }
            Duration lockTimeout = exec.duration("lock_timeout", ExecutorPolicy.DEFAULT_LOCK_TIMEOUT);
            Long maxObjectBytes = exec.byteSize("max_object_size", ExecutorPolicy.DEFAULT_MAX_OBJECT_BYTES);
            if (maxObjectBytes != null && maxObjectBytes <= 0) {
                exec.require("max_object_size").problem("expected a positive size, found 0");
                maxObjectBytes = null;
            }
            executor = new ExecutorPolicy(keys, exec.has("allowed_actions") ? allowed : executor.allowedActions(), windows,
                    lockTimeout == null ? ExecutorPolicy.DEFAULT_LOCK_TIMEOUT : lockTimeout, executor.statementTimeout(),
                    executor.lockRetries(), executor.retryDelay(),
                    maxObjectBytes == null ? ExecutorPolicy.DEFAULT_MAX_OBJECT_BYTES : maxObjectBytes);
        }
        return new Remediation(enabled, dryRun, policyFile, keys, executor);
    }

    /** Keys from a file, else from the environment variable; null when neither has any. */
    private static SigningKeys keys(ConfigNode node, String file, Function<String, String> env) {
        String spec;
        if (file != null) {
            try {
                spec = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                node.require("signing_keys_file").problem("cannot read " + file + ": " + e.getMessage());
                return null;
            }
        } else {
            spec = env.apply(node == null ? DEFAULT_KEYS_ENV : node.string("signing_keys_env", DEFAULT_KEYS_ENV));
        }
        if (spec == null || spec.isBlank()) {
            return null;
        }
        try {
            return SigningKeys.parse(spec);
        } catch (IllegalArgumentException e) {
            if (node != null) {
                node.problem("signing keys: " + e.getMessage());
            }
            return null;
        }
    }
}
