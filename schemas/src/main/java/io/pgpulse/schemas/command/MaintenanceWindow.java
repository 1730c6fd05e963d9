package io.pgpulse.schemas.command;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A weekly time span in which maintenance may run, e.g. {@code mon-fri 01:00-05:00
 * Europe/Berlin}: days (a range or a comma list, or {@code daily}), a start and end
 * time of day (an end before the start spans midnight), and a time zone, so that
 * "at night" stays at night across daylight-saving changes.
 */
public record MaintenanceWindow(Set<DayOfWeek> days, LocalTime from, LocalTime to, ZoneId zone) {

    /** Parses {@code <days> <HH:MM>-<HH:MM> [zone]}; throws saying which part is wrong. */
    public static MaintenanceWindow parse(String text) {
        String[] parts = text.strip().split("\\s+");
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("expected '<days> <HH:MM>-<HH:MM> [time zone]' like 'mon-fri 01:00-05:00 Europe/Berlin', found '" + text + "'");
        }
        Set<DayOfWeek> days = days(parts[0]);
        String[] span = parts[1].split("-");
        if (span.length != 2) {
            throw new IllegalArgumentException("expected a time span like 01:00-05:00, found '" + parts[1] + "'");
        }
        LocalTime from;
        LocalTime to;
        try {
            from = LocalTime.parse(span[0]);
            to = LocalTime.parse(span[1]);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("expected times as HH:MM, found '" + parts[1] + "'");
        }
        if (from.equals(to)) {
            throw new IllegalArgumentException("window from " + from + " to " + to + " is empty");
        }
        ZoneId zone;
        try {
            zone = parts.length == 3 ? ZoneId.of(parts[2]) : ZoneId.of("UTC");
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown time zone '" + parts[2] + "'");
        }
        return new MaintenanceWindow(days, from, to, zone);
    }

    /** A window that is always open. */
    public static MaintenanceWindow always() {
        return new MaintenanceWindow(EnumSet.allOf(DayOfWeek.class), LocalTime.MIDNIGHT, LocalTime.MAX, ZoneId.of("UTC"));
    }

    public boolean isOpen(Instant at) {
        ZonedDateTime local = at.atZone(zone);
        LocalTime time = local.toLocalTime();
        if (!from.isAfter(to)) {
            return days.contains(local.getDayOfWeek()) && !time.isBefore(from) && time.isBefore(to);
        }
        // Spans midnight: the evening part belongs to the day it starts on, the morning part to the day before.
        if (!time.isBefore(from)) {
            return days.contains(local.getDayOfWeek());
        }
        return time.isBefore(to) && days.contains(local.getDayOfWeek().minus(1));
    }

    /** The next instant at or after {@code at} when the window is open (within a week), if any. */
    public Optional<Instant> nextOpening(Instant at) {
        if (isOpen(at)) {
            return Optional.of(at);
        }
        ZonedDateTime local = at.atZone(zone);
        for (int day = 0; day <= 7; day++) {
            ZonedDateTime candidate = local.toLocalDate().plusDays(day).atTime(from).atZone(zone);
            if (!candidate.toInstant().isBefore(at) && days.contains(candidate.getDayOfWeek())) {
                return Optional.of(candidate.toInstant());
            }
        }
        return Optional.empty();
    }

    private static Set<DayOfWeek> days(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.equals("daily")) {
            return EnumSet.allOf(DayOfWeek.class);
        }
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String item : lower.split(",")) {
            String[] range = item.split("-");
            DayOfWeek first = day(range[0]);
            DayOfWeek last = range.length == 2 ? day(range[1]) : first;
            for (DayOfWeek d = first; ; d = d.plus(1)) {
                days.add(d);
                if (d == last) {
                    break;
                }
            }
        }
        return days;
    }

    private static DayOfWeek day(String text) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.name().toLowerCase(Locale.ROOT).startsWith(text) && text.length() >= 3) {
                return d;
            }
        }
        throw new IllegalArgumentException("expected days like mon, tue-thu, sat,sun or daily, found '" + text + "'");
    }

    @Override
    public String toString() {
        return days + " " + from + "-" + to + " " + zone;
    }
}
