package io.pgpulse.bench.streams;

import io.pgpulse.schemas.serde.WireFormat;

/**
 * Rewrites the {@code collected_at} of a serialized snapshot in place, so that snapshots
 * generated ahead of time can carry the moment they are actually sent (the latency phase
 * measures from it). {@code collected_at} is the fourth field of {@code PgSnapshot}, after
 * three strings; as an Avro long of epoch milliseconds between 2004 and 2039 it always takes
 * six bytes, so any instant in that range fits where another one was.
 */
final class CollectionTime {

    private static final long LOW = 1L << 40;   // 2004-11-03
    private static final long HIGH = 1L << 41;  // 2039-09-07

    private CollectionTime() {
    }

    static void set(byte[] record, long epochMs) {
        if (epochMs < LOW || epochMs >= HIGH) {
            throw new IllegalArgumentException("collection time " + epochMs + " outside the six-byte range");
        }
        int at = WireFormat.HEADER_BYTES;
        for (int field = 0; field < 3; field++) {
            long[] length = readVarint(record, at);
            at = (int) length[1] + (int) (length[0] >>> 1); // zig-zag decoded length, then skip the bytes
        }
        long[] old = readVarint(record, at);
        if (old[1] - at != 6) {
            throw new IllegalStateException("collected_at takes " + (old[1] - at) + " bytes, expected 6");
        }
        long zigzag = epochMs << 1;
        for (int i = 0; i < 6; i++) {
            record[at + i] = (byte) ((zigzag & 0x7F) | (i < 5 ? 0x80 : 0));
            zigzag >>>= 7;
        }
    }

    /** {value, position after it}. */
    private static long[] readVarint(byte[] b, int at) {
        long value = 0;
        int shift = 0;
        while (true) {
            byte x = b[at++];
            value |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return new long[]{value, at};
            }
            shift += 7;
        }
    }
}
