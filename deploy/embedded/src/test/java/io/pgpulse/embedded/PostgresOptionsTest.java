package io.pgpulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PostgresOptionsTest {

    @Test
    void defaultsPreloadPgStatStatementsWithoutExtraSettings() {
        PostgresOptions options = PostgresOptions.of(16);
        assertThat(options.majorVersion()).isEqualTo(16);
        assertThat(options.settings()).isEmpty();
        assertThat(options.preloadPgStatStatements()).isTrue();
        assertThat(options.withPgStatStatements(false).preloadPgStatStatements()).isFalse();
    }

    @Test
    void keepsSettingsInOrderAndIsImmutable() {
        Map<String, String> settings = new HashMap<>();
        PostgresOptions options = PostgresOptions.of(18)
                .withSetting("work_mem", "8MB")
                .withSetting("pg_stat_statements.max", "1000")
                .withSetting("application_name", "it's");
        assertThat(options.settings().keySet())
                .containsExactly("work_mem", "pg_stat_statements.max", "application_name");
        assertThatThrownBy(() -> options.settings().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);

        settings.put("fsync", "on");
        PostgresOptions copied = new PostgresOptions(18, settings, true);
        settings.put("fsync", "off");
        assertThat(copied.settings()).containsEntry("fsync", "on");
    }

    @Test
    void refusesNamesAndValuesThatWouldBreakPostgresqlConf() {
        assertThatThrownBy(() -> PostgresOptions.of(18).withSetting("port = 1\nfsync", "on"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter name");
        assertThatThrownBy(() -> PostgresOptions.of(18).withSetting("work_mem", "1MB\nfsync = on"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("work_mem");
        assertThatThrownBy(() -> PostgresOptions.of(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
