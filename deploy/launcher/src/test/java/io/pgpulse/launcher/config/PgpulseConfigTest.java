package io.pgpulse.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.schemas.config.ConfigException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PgpulseConfigTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(PgpulseConfigTest.class.getResource("/config/" + name).toURI());
    }

    @Test
    void shippedSampleLoads() {
        Path sample = Path.of("..", "pgpulse.sample.yaml");
        PgpulseConfig config = PgpulseConfig.load(sample, Map.of("PGPULSE_PASSWORD", "secret")::get);
        TargetConfig target = config.targets().get(0);
        assertThat(target.sourceId().toString()).isEqualTo("pg-01/postgres");
        assertThat(target.password()).isEqualTo("secret");
        assertThat(target.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(target.tags()).containsEntry("env", "staging");
        assertThat(config.kafka().embedded()).isTrue();
        assertThat(config.remediation().enabled()).isFalse();
        assertThat(config.remediation().dryRun()).isTrue();
        assertThat(config.remediation().executor().lockTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.remediation().executor().maxObjectBytes()).isEqualTo(50L << 30);
        assertThat(config.processor().window()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void onlyATargetUrlIsNeeded(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("min.yaml");
        Files.writeString(file, "targets:\n  - url: jdbc:postgresql://db.internal/app\n");
        PgpulseConfig config = PgpulseConfig.load(file, k -> null);
        assertThat(config.targets().get(0).sourceId().toString()).isEqualTo("db.internal:5432/app");
        assertThat(config.targets().get(0).user()).isEqualTo("postgres");
        assertThat(config.targets().get(0).interval()).isEqualTo(PgpulseConfig.DEFAULT_INTERVAL);
        assertThat(config.kafka().topics().snapshots()).isEqualTo("pgpulse.snapshots.v1");
    }

    @Test
    void sinkSectionNamesRoutingHistoryAndApi() throws Exception {
        PgpulseConfig config = PgpulseConfig.load(fixture("sink.good.yaml"), Map.of("PGPULSE_HISTORY_PASSWORD", "s3cret")::get);
        assertThat(config.sink().effectiveRouting()).hasValueSatisfying(r ->
                assertThat(r.channels()).containsOnlyKeys("hook"));
        assertThat(config.sink().history().url()).isEqualTo("jdbc:postgresql://history.internal/pgpulse");
        assertThat(config.sink().history().user()).isEqualTo("pgpulse_history");
        assertThat(config.sink().history().password()).isEqualTo("s3cret");
        assertThat(config.sink().history().retention()).isEqualTo(Duration.ofDays(30));
        assertThat(config.sink().apiAddress().getHostString()).isEqualTo("0.0.0.0");
        assertThat(config.sink().apiAddress().getPort()).isEqualTo(9195);
    }

    @Test
    void withoutASinkSectionTheApiListensLocallyAndNothingIsTold(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("min.yaml");
        Files.writeString(file, "targets:\n  - url: jdbc:postgresql://db.internal/app\n");
        PgpulseConfig config = PgpulseConfig.load(file, k -> null);
        assertThat(config.sink().effectiveRouting()).isEmpty();
        assertThat(config.sink().history()).isNull();
        assertThat(config.sink().apiAddress().getHostString() + ":" + config.sink().apiAddress().getPort())
                .isEqualTo(PgpulseConfig.DEFAULT_API_LISTEN);
    }

    @Test
    void collectorSectionDiscoveryAndConsoleTargets() throws Exception {
        PgpulseConfig config = PgpulseConfig.load(fixture("collector.good.yaml"), Map.of("PGPULSE_PASSWORD", "pw")::get);
        assertThat(config.targets()).extracting(t -> t.sourceId().toString())
                .containsExactly("pg-01/app", "bouncer-01/pgbouncer");
        assertThat(config.targets().get(0).sslmode()).isEqualTo("verify-full");
        assertThat(config.targets().get(0).console()).isEqualTo(io.pgpulse.collector.metric.MetricGroup.Console.POSTGRES);
        assertThat(config.targets().get(1).console()).isEqualTo(io.pgpulse.collector.metric.MetricGroup.Console.PGBOUNCER);
        io.pgpulse.collector.CollectorSettings collector = config.collector();
        assertThat(collector.threads()).isEqualTo(8);
        assertThat(collector.bufferSnapshots()).isEqualTo(500);
        assertThat(collector.flushTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(collector.metricsAddress().getPort()).isEqualTo(9999);
        assertThat(collector.groupIntervals()).containsEntry("table_sizes", Duration.ofMinutes(15))
                .containsEntry("statements", Duration.ofSeconds(30));
        assertThat(collector.discoveries()).singleElement().satisfies(d -> {
            assertThat(d.seed().cluster()).isEqualTo("pg-02");
            assertThat(d.seed().password()).isEqualTo("pw");
            assertThat(d.seed().interval()).isEqualTo(Duration.ofSeconds(15));
            assertThat(d.refresh()).isEqualTo(Duration.ofSeconds(30));
            assertThat(d.watches("app_orders")).isTrue();
            assertThat(d.watches("app_test_1")).isFalse();
            assertThat(d.watches("postgres")).isFalse();
        });
    }

    @Test
    void processorSectionNamesWindowsReplicasApiAndStores() throws Exception {
        PgpulseConfig.Processor p = PgpulseConfig.load(fixture("processor.good.yaml"), k -> null).processor();
        assertThat(p.window()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.hoppingWindow()).isEqualTo(Duration.ofMinutes(10));
        assertThat(p.hoppingAdvance()).isEqualTo(Duration.ofMinutes(2));
        assertThat(p.grace()).isEqualTo(Duration.ofSeconds(15));
        assertThat(p.slowStatement()).isEqualTo(Duration.ofMillis(250));
        assertThat(p.standbyReplicas()).isEqualTo(1);
        assertThat(p.apiAddress().getHostString() + ":" + p.apiAddress().getPort()).isEqualTo("0.0.0.0:9196");
        assertThat(p.stores()).isEqualTo(io.pgpulse.processor.PipelineTopology.StoreKind.IN_MEMORY);
        assertThat(p.settings().stateCacheSources()).isEqualTo(50);
        assertThat(p.stateDir()).isEqualTo(Path.of("/var/lib/pgpulse/streams"));
        assertThat(p.settings().windows().paneMs()).isEqualTo(30_000);
        assertThat(p.settings().slowStatementMs()).isEqualTo(250.0);
    }

    @Test
    void withoutAProcessorSectionTheGuidesWindowsAndTheFleetApiAreOn(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("min.yaml");
        Files.writeString(file, "targets:\n  - url: jdbc:postgresql://db.internal/app\n");
        PgpulseConfig.Processor p = PgpulseConfig.load(file, k -> null).processor();
        assertThat(p.window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(p.hoppingWindow()).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.hoppingAdvance()).isEqualTo(Duration.ofMinutes(1));
        assertThat(p.grace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.standbyReplicas()).isZero();
        assertThat(p.apiAddress().getHostString() + ":" + p.apiAddress().getPort())
                .isEqualTo(PgpulseConfig.DEFAULT_PROCESSOR_API_LISTEN);
    }

    @Test
    void missingFileIsNamed() {
        assertThatThrownBy(() -> PgpulseConfig.load(Path.of("/nonexistent/pgpulse.yaml"), k -> null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("/nonexistent/pgpulse.yaml: no such file");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown-key.bad.yaml            | unknown-key.bad.yaml:3: targets[0].intervall: unknown key",
            "missing-url.bad.yaml            | missing-url.bad.yaml:2: targets[0]: url: required but missing",
            "bad-interval.bad.yaml           | bad-interval.bad.yaml:3: targets[0].interval: expected a duration like 500ms",
            "missing-env.bad.yaml            | missing-env.bad.yaml:3: targets[0].password_env: environment variable PGPULSE_TEST_PASSWORD_NOT_SET is not set",
            "no-targets.bad.yaml             | no-targets.bad.yaml:1: targets: required but missing",
            "bad-url.bad.yaml                | bad-url.bad.yaml:2: targets[0]: url must start with jdbc:postgresql://",
            "registry-without-kafka.bad.yaml | registry-without-kafka.bad.yaml:2: kafka: bootstrap_servers: required when schema_registry_url is set",
            "duplicate-source.bad.yaml       | duplicate-source.bad.yaml:3: targets[1]: source db:5432/app is listed twice",
            "remediation-without-keys.bad.yaml | remediation-without-keys.bad.yaml:4: remediation: signing keys: remediation is enabled but no keys are configured",
            "bad-window.bad.yaml             | bad-window.bad.yaml:7: remediation.executor.windows[0]: unknown time zone 'Mars/Olympus'",
            "bad-max-object-size.bad.yaml    | bad-max-object-size.bad.yaml:5: remediation.executor.max_object_size: expected a size like 512MB, 20GB or 1TB, found 'huge'",
            "routing-and-webhook.bad.yaml    | routing-and-webhook.bad.yaml:5: sink.routing_file: give either webhook_url or routing_file",
            "bad-routing-file.bad.yaml       | bad-routing-file.bad.yaml:4: sink.routing_file: routing-missing-channel.yaml:6: route.channel: no channel named \"pager\"",
            "bad-api-listen.bad.yaml         | bad-api-listen.bad.yaml:4: sink.api_listen: expected host:port (e.g. 127.0.0.1:9095) or off, found 'everywhere'",
            "bad-history-url.bad.yaml        | bad-history-url.bad.yaml:5: sink.history.url: expected a jdbc:postgresql: URL",
            "bad-sslmode.bad.yaml            | bad-sslmode.bad.yaml:3: targets[0].sslmode: expected one of disable, allow, prefer, require, verify-ca, verify-full, found always",
            "bad-group-interval.bad.yaml     | bad-group-interval.bad.yaml:5: collector.group_intervals.table_size: unknown key; expected one of server, database",
            "bad-discover.bad.yaml           | bad-discover.bad.yaml:4: targets[0].discover.include: expected a regular expression, found 'app_('",
            "bad-threads.bad.yaml            | bad-threads.bad.yaml:4: collector.threads: expected a whole number of at least 1, found 0",
            "bad-rules-file.bad.yaml         | bad-rules-file.bad.yaml:4: processor.rules_file: rules-unknown-metric.yaml:5: groups[0].rules[0].expr: rule \"bloat\": unknown metric table.dead_ratio",
            "bad-hopping.bad.yaml            | bad-hopping.bad.yaml:4: processor.hopping_window: expected a multiple of hopping_advance (120s), found 420s",
            "bad-processor.bad.yaml          | bad-processor.bad.yaml:4: processor.windw: unknown key; expected one of window, hopping_window",
            "bad-processor.bad.yaml          | bad-processor.bad.yaml:5: processor.standby_replicas: expected a whole number of at least 0, found -1.0",
            "bad-processor.bad.yaml          | bad-processor.bad.yaml:6: processor.state_store: expected persistent or in_memory, found redis",
            "bad-processor.bad.yaml          | bad-processor.bad.yaml:7: processor.api_listen: expected host:port (e.g. 127.0.0.1:9095) or off, found 'nowhere'",
    })
    void badFileIsRefusedNamingFileLineAndField(String file, String expected) throws Exception {
        Path path = fixture(file);
        assertThatThrownBy(() -> PgpulseConfig.load(path, k -> null))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anySatisfy(p -> assertThat(p.replace(path.getParent() + "/", "")).startsWith(expected)));
    }
}
