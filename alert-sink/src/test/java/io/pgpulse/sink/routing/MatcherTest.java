package io.pgpulse.sink.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatcherTest {

    private static final Map<String, String> LABELS = Map.of("alertname", "table_bloat", "severity", "warning",
            "source", "pg-prod/app", "env", "prod");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = "->", value = {
            "severity=\"warning\"          -> true",
            "severity=\"critical\"         -> false",
            "severity!=\"critical\"        -> true",
            "source=~\"pg-prod/.*\"        -> true",
            "source=~\"pg-prod\"           -> false",
            "source!~\"pg-(test|dev)/.*\"  -> true",
            "env=prod                      -> true",
            "team=\"\"                     -> true",
            "team!=\"\"                    -> false",
            "alertname=~\"table_.*|index_.*\" -> true",
    })
    void matchesLikeAlertmanager(String text, boolean expected) {
        assertThat(Matcher.parse(text).matches(LABELS)).isEqualTo(expected);
    }

    @Test
    void printsBackWhatItParsed() {
        Matcher matcher = Matcher.parse(" source =~ \"pg-prod/.*\" ");
        assertThat(matcher.name()).isEqualTo("source");
        assertThat(matcher.op()).isEqualTo(Matcher.Op.REGEX);
        assertThat(Matcher.parse(matcher.toString())).isEqualTo(matcher);
        Matcher quoted = Matcher.parse("object=\"public.\\\"odd\\\" name\"");
        assertThat(quoted.value()).isEqualTo("public.\"odd\" name");
        assertThat(Matcher.parse(quoted.toString())).isEqualTo(quoted);
    }

    @Test
    void refusesWhatIsNotAMatcher() {
        assertThatThrownBy(() -> Matcher.parse("severity")).hasMessageContaining("expected a matcher like");
        assertThatThrownBy(() -> Matcher.parse("9lives=\"x\"")).hasMessageContaining("expected a matcher like");
        assertThatThrownBy(() -> Matcher.parse("source=~\"(\"")).hasMessageContaining("bad regular expression");
        assertThatThrownBy(() -> Matcher.parse("source=\"a")).hasMessageContaining("as one double-quoted string");
    }
}
