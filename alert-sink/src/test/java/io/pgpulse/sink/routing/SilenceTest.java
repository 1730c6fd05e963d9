package io.pgpulse.sink.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SilenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void durationCountsFromNowAndTheSilenceSurvivesItsOwnJson() throws Exception {
        Silence silence = Silence.fromJson(JSON.readTree("""
                {"matchers": ["source=~\\"pg-01/.*\\"", "severity!=\\"critical\\""], "duration": "2h",
                 "createdBy": "ana", "comment": "failover"}"""), CLOCK);
        assertThat(silence.startsAt()).isEqualTo(NOW);
        assertThat(silence.endsAt()).isEqualTo(NOW.plus(Duration.ofHours(2)));
        assertThat(silence.mutes(Map.of("source", "pg-01/app", "severity", "warning"), NOW.plusSeconds(60))).isTrue();
        assertThat(silence.mutes(Map.of("source", "pg-01/app", "severity", "critical"), NOW.plusSeconds(60))).isFalse();
        assertThat(silence.mutes(Map.of("source", "pg-01/app", "severity", "warning"), NOW.plus(Duration.ofHours(2)))).isFalse();
        assertThat(silence.state(NOW.plus(Duration.ofHours(3)))).isEqualTo("expired");
        assertThat(Silence.fromJson(silence.toJson(), CLOCK)).isEqualTo(silence);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = "=>", value = {
            "{\"duration\": \"1h\"}                                       => matchers: expected a list",
            "{\"matchers\": [], \"duration\": \"1h\"}                      => matchers: at least one is required",
            "{\"matchers\": [\"source\"], \"duration\": \"1h\"}            => matchers[0]: expected a matcher like",
            "{\"matchers\": [\"a=\\\"b\\\"\"]}                             => endsAt: required (or duration)",
            "{\"matchers\": [\"a=\\\"b\\\"\"], \"duration\": \"soon\"}      => duration: expected a duration like",
            "{\"matchers\": [\"a=\\\"b\\\"\"], \"endsAt\": \"tomorrow\"}    => endsAt: expected an ISO-8601 instant",
            "{\"matchers\": [\"a=\\\"b\\\"\"], \"endsAt\": \"2026-11-25T11:00:00Z\"} => endsAt: must be after startsAt",
            "{\"matchers\": [\"a=\\\"b\\\"\"], \"duration\": \"1h\", \"until\": 1} => [until]: unknown field",
    })
    void badRequestNamesTheField(String json, String expected) throws Exception {
        assertThatThrownBy(() -> Silence.fromJson(JSON.readTree(json), CLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(expected);
    }
}
