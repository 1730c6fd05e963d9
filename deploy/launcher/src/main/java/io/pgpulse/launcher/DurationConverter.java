package io.pgpulse.launcher;

import io.pgpulse.schemas.config.ConfigNode;
import java.time.Duration;
import picocli.CommandLine;

/** Reads {@code 300s}, {@code 5m}, {@code 1h} or a plain number of seconds. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        if (value.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        Duration parsed = ConfigNode.parseDuration(value);
        if (parsed == null) {
            throw new CommandLine.TypeConversionException(
                    "expected a duration like 90s, 5m or 1h (or a number of seconds), found '" + value + "'");
        }
        return parsed;
    }
}
