package io.pgpulse.processor.window;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The windows metrics are computed over, by event time (a snapshot's {@code collected_at}):
 * tumbling windows of {@code tumbling}, and hopping windows of {@code hopping} that start
 * every {@code advance} (none when {@code hopping} is zero). A window closes, and is emitted
 * once, when stream time passes its end plus {@code grace}; a snapshot that late or later
 * counts in no window that already closed.
 *
 * <p>Window edges fall on multiples of the <em>pane</em>, the greatest common divisor of
 * the tumbling size and the hop: a source's state is checkpointed when its snapshots cross
 * a pane edge, and a window's metrics are the difference of the checkpoints at its edges.
 */
public record WindowSpec(Duration tumbling, Duration hopping, Duration advance, Duration grace) {

    public WindowSpec {
        if (tumbling == null || tumbling.isNegative() || tumbling.isZero()) {
            throw new IllegalArgumentException("tumbling window must be positive, found " + tumbling);
        }
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative, found " + grace);
        }
        if (hopping == null || hopping.isNegative()) {
            throw new IllegalArgumentException("hopping window must not be negative (0: none), found " + hopping);
        }
        if (!hopping.isZero()) {
            if (advance == null || advance.isNegative() || advance.isZero() || advance.compareTo(hopping) > 0) {
                throw new IllegalArgumentException("hopping advance must be positive and at most the hopping window "
                        + hopping + ", found " + advance);
            }
            if (hopping.toMillis() % advance.toMillis() != 0) {
                throw new IllegalArgumentException("the hopping window " + hopping + " must be a multiple of its advance "
                        + advance);
            }
        } else {
            advance = Duration.ZERO;
        }
    }

    /** A tumbling window only. */
    public static WindowSpec tumbling(Duration size, Duration grace) {
        return new WindowSpec(size, Duration.ZERO, Duration.ZERO, grace);
    }

    public long tumblingMs() {
        return tumbling.toMillis();
    }

    public long hoppingMs() {
        return hopping.toMillis();
    }

    public long advanceMs() {
        return advance.toMillis();
    }

    public long graceMs() {
        return grace.toMillis();
    }

    public boolean hasHopping() {
        return !hopping.isZero();
    }

    /** The longest window: how far back a window may reach. */
    public long longestMs() {
        return Math.max(tumblingMs(), hoppingMs());
    }

    public long paneMs() {
        return hasHopping() ? gcd(tumblingMs(), advanceMs()) : tumblingMs();
    }

    /** The ends of every window that contains the instant {@code t}, ascending. */
    public List<Long> endsContaining(long t) {
        List<Long> ends = new ArrayList<>();
        long tumblingEnd = Math.floorDiv(t, tumblingMs()) * tumblingMs() + tumblingMs();
        ends.add(tumblingEnd);
        if (hasHopping()) {
            long first = Math.floorDiv(t, advanceMs()) * advanceMs() + advanceMs();
            for (long end = first; end - hoppingMs() <= t; end += advanceMs()) {
                if (!ends.contains(end)) {
                    ends.add(end);
                }
            }
        }
        ends.sort(Long::compare);
        return ends;
    }

    public boolean tumblingEndsAt(long end) {
        return Math.floorMod(end, tumblingMs()) == 0;
    }

    public boolean hoppingEndsAt(long end) {
        return hasHopping() && Math.floorMod(end, advanceMs()) == 0;
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
