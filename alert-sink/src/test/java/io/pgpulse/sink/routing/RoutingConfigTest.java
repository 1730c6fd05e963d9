package io.pgpulse.sink.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpulse.schemas.config.ConfigException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RoutingConfigTest {

    private static final Map<String, String> ENV = Map.of(
            "TEST_SLACK_URL", "https://hooks.slack.com/services/T0/B0/x",
            "PGPULSE_SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T1/B1/y");

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(RoutingConfigTest.class.getResource("/routing/" + name).toURI());
    }

    private static Map<String, String> labels(String alertname, String severity, String source) {
        return Map.of("alertname", alertname, "severity", severity, "source", source);
    }

    @Test
    void routeTreeInheritsSettingsAndHonoursContinue() throws Exception {
        RoutingConfig config = RoutingConfig.load(fixture("full.good.yaml"), ENV::get);

        assertThat(config.channels()).containsOnlyKeys("hook", "slack", "am");
        assertThat(config.channels().get("slack").url().toString()).isEqualTo("https://hooks.slack.com/services/T0/B0/x");
        assertThat(config.channels().get("hook").attempts()).isEqualTo(2);
        assertThat(config.channels().get("am").resendInterval()).isEqualTo(Duration.ofSeconds(30));

        // critical on production: Alertmanager (continue), then Slack.
        List<Route> critical = config.route().match(labels("xid_wraparound", "critical", "pg-prod/app"));
        assertThat(critical).extracting(Route::channel).containsExactly("am", "slack");
        // A child inherits what it does not set, and overrides what it does.
        Route stale = config.route().match(labels("stale_statistics", "info", "pg-prod/app")).get(0);
        assertThat(stale.channel()).isEqualTo("slack");
        assertThat(stale.groupWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(stale.repeatInterval()).isEqualTo(Duration.ofHours(24));
        assertThat(stale.groupBy()).containsExactly("alertname");
        // Nothing below matches: the root's channel and Alertmanager's defaults.
        Route fallback = config.route().match(labels("table_bloat", "warning", "pg-test/app")).get(0);
        assertThat(fallback.channel()).isEqualTo("hook");
        assertThat(fallback.groupWait()).isEqualTo(RoutingConfig.DEFAULT_GROUP_WAIT);
        assertThat(fallback.repeatInterval()).isEqualTo(RoutingConfig.DEFAULT_REPEAT_INTERVAL);

        assertThat(config.inhibitRules()).hasSize(1);
        assertThat(config.inhibitRules().get(0).equal()).containsExactly("source");
        assertThat(config.routedChannels()).extracting(ChannelSpec::name).containsExactly("hook", "slack", "am");
    }

    @Test
    void everyShippedRoutingFileLoads() throws IOException {
        List<Path> shipped;
        try (Stream<Path> files = Files.list(Path.of("..", "deploy"))) {
            shipped = files.filter(f -> f.getFileName().toString().matches("routing.*\\.ya?ml")).toList();
        }
        assertThat(shipped).as("routing files under deploy/").isNotEmpty();
        for (Path file : shipped) {
            RoutingConfig config = RoutingConfig.load(file, ENV::get);
            assertThat(config.routedChannels()).as(file + ": channels in use").isNotEmpty();
            for (ChannelSpec spec : config.channels().values()) {
                assertThat(spec.build(java.time.Clock.systemUTC()).name()).isEqualTo(spec.name());
            }
        }
    }

    @Test
    void sampleSendsDatabaseDownToAlertmanagerAndMutesThatDatabasesOtherAlerts() {
        RoutingConfig sample = RoutingConfig.load(Path.of("..", "deploy", "routing.sample.yaml"), ENV::get);
        assertThat(sample.route().match(labels("database_down", "critical", "pg-prod-1/app")))
                .extracting(Route::channel).containsExactly("alertmanager", "dba-slack");
        Map<String, Map<String, String>> firing = Map.of("fp-down", labels("database_down", "critical", "pg-prod-1/app"));
        InhibitRule rule = sample.inhibitRules().get(0);
        assertThat(rule.mutes(labels("cache_hit_ratio_low", "warning", "pg-prod-1/app"), "fp-cache", firing)).isTrue();
        assertThat(rule.mutes(labels("cache_hit_ratio_low", "warning", "pg-prod-2/app"), "fp-other", firing)).isFalse();
        assertThat(rule.mutes(labels("database_down", "critical", "pg-prod-1/app"), "fp-down", firing)).isFalse();
    }

    @Test
    void webhookOnlyTellsEveryEventAtOnce() {
        RoutingConfig config = RoutingConfig.webhookOnly(java.net.URI.create("http://127.0.0.1:1/alerts"));
        Route route = config.route().match(labels("table_bloat", "warning", "pg/app")).get(0);
        assertThat(route.channel()).isEqualTo("webhook");
        assertThat(route.groupWait()).isZero();
        assertThat(route.groupLabels(labels("table_bloat", "warning", "pg/app"))).containsEntry("source", "pg/app");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown-key.bad.yaml            | unknown-key.bad.yaml:5: channels[0].webhook.timout: unknown key",
            "missing-channel.bad.yaml        | missing-channel.bad.yaml:9: route.routes[0].channel: no channel named \"pager\"; declared: hook",
            "bad-matcher.bad.yaml            | bad-matcher.bad.yaml:9: route.routes[0].matchers[0]: expected the value of matcher 'severity==\"critical\"' as one double-quoted string",
            "bad-regex.bad.yaml              | bad-regex.bad.yaml:8: route.routes[0].matchers[0]: bad regular expression in matcher source=~\"pg-prod/(.*\"",
            "bad-duration.bad.yaml           | bad-duration.bad.yaml:7: route.group_wait: expected a duration like 500ms",
            "duplicate-channel.bad.yaml      | duplicate-channel.bad.yaml:5: channels[1]: channel \"hook\" is declared twice",
            "two-kinds.bad.yaml              | two-kinds.bad.yaml:2: channels[0]: expected exactly one of webhook, slack, alertmanager, found webhook, slack",
            "bad-url.bad.yaml                | bad-url.bad.yaml:4: channels[0].webhook.url: expected an http or https URL, found 'ftp://hooks.example.com/'",
            "root-matchers.bad.yaml          | root-matchers.bad.yaml:7: route.matchers: the root route matches every alert",
            "missing-env.bad.yaml            | missing-env.bad.yaml:4: channels[0].slack.url_env: environment variable PGPULSE_TEST_SLACK_URL_NOT_SET is not set",
            "inhibit-without-target.bad.yaml | inhibit-without-target.bad.yaml:8: inhibit_rules[0]: target_matchers: required but missing",
            "no-route.bad.yaml               | no-route.bad.yaml:1: route: required but missing",
    })
    void badFileIsRefusedNamingFileLineAndField(String file, String expected) throws Exception {
        Path path = fixture(file);
        assertThatThrownBy(() -> RoutingConfig.load(path, ENV::get))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anySatisfy(p -> assertThat(p.replace(path.getParent() + "/", "")).startsWith(expected)));
    }

    @Test
    void everyProblemIsReportedAtOnce() throws Exception {
        Path path = fixture("three-problems.bad.yaml");
        assertThatThrownBy(() -> RoutingConfig.load(path, ENV::get))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .map(p -> p.replace(path.getParent() + "/", ""))
                        .hasSize(3)
                        .anySatisfy(p -> assertThat(p).startsWith("three-problems.bad.yaml:7: route.group_wait: expected a duration"))
                        .anySatisfy(p -> assertThat(p).startsWith("three-problems.bad.yaml:9: route.routes[0].matchers[0]: expected a matcher"))
                        .anySatisfy(p -> assertThat(p).startsWith("three-problems.bad.yaml:10: route.routes[0].channel: no channel named \"pager\"")));
    }
}
