package io.pgpulse.schemas.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class MaintenanceWindowTest {

    @Test
    void weekdayNightsInBerlin() {
        MaintenanceWindow w = MaintenanceWindow.parse("mon-fri 01:00-05:00 Europe/Berlin");
        // Wednesday 2026-11-25, Berlin is UTC+1 in winter.
        assertThat(w.isOpen(Instant.parse("2026-11-25T00:30:00Z"))).isTrue();   // 01:30 local
        assertThat(w.isOpen(Instant.parse("2026-11-25T04:00:00Z"))).isFalse();  // 05:00 local, end is exclusive
        assertThat(w.isOpen(Instant.parse("2026-11-28T00:30:00Z"))).isFalse();  // Saturday
        assertThat(w.nextOpening(Instant.parse("2026-11-25T12:00:00Z"))).contains(Instant.parse("2026-11-26T00:00:00Z"));
        assertThat(w.nextOpening(Instant.parse("2026-11-27T12:00:00Z"))).contains(Instant.parse("2026-11-30T00:00:00Z"));
    }

    @Test
    void windowAcrossMidnightBelongsToTheDayItStarts() {
        MaintenanceWindow w = MaintenanceWindow.parse("sat 22:00-03:00");
        assertThat(w.isOpen(Instant.parse("2026-11-28T23:00:00Z"))).isTrue();   // Saturday night
        assertThat(w.isOpen(Instant.parse("2026-11-29T02:00:00Z"))).isTrue();   // Sunday early morning
        assertThat(w.isOpen(Instant.parse("2026-11-29T23:00:00Z"))).isFalse();  // Sunday night
        assertThat(w.isOpen(Instant.parse("2026-11-28T02:00:00Z"))).isFalse();  // Saturday early morning
    }

    @Test
    void badWindowsSayWhichPartIsWrong() {
        assertThatThrownBy(() -> MaintenanceWindow.parse("weekdays 01:00-05:00")).hasMessageContaining("expected days like mon");
        assertThatThrownBy(() -> MaintenanceWindow.parse("daily 1am-5am")).hasMessageContaining("expected times as HH:MM");
        assertThatThrownBy(() -> MaintenanceWindow.parse("daily 01:00-05:00 Mars/Olympus")).hasMessageContaining("unknown time zone 'Mars/Olympus'");
        assertThatThrownBy(() -> MaintenanceWindow.parse("daily 01:00-01:00")).hasMessageContaining("is empty");
        assertThatThrownBy(() -> MaintenanceWindow.parse("daily")).hasMessageContaining("expected '<days> <HH:MM>-<HH:MM> [time zone]'");
    }
}
