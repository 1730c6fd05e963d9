package io.pgpulse.processor.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class StateCodecTest {

    @Test
    void longsStringsAndNoneSurviveARoundTrip() {
        StateWriter out = new StateWriter(8, (byte) 7);
        long[] values = {0, 1, -1, 63, -64, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE + 1, StateWriter.NONE};
        for (long v : values) {
            out.writeLong(v);
        }
        out.writeString("public");
        out.writeString("public"); // a reference the second time
        out.writeString(null);
        out.writeStringMap(Map.of("env", "prod"));
        out.writeRelative(1_800_000_000_123L, 1_800_000_000_000L);
        out.writeBytes(new byte[]{1, 2, 3});
        byte[] bytes = out.toByteArray();

        StateReader in = new StateReader(bytes, "test", (byte) 7);
        long[] read = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            read[i] = in.readLong();
        }
        assertThat(read).containsExactly(values);
        assertThat(in.readString()).isEqualTo("public");
        assertThat(in.readString()).isEqualTo("public");
        assertThat(in.readString()).isNull();
        assertThat(in.readStringMap()).isEqualTo(Map.of("env", "prod"));
        assertThat(in.readRelative(1_800_000_000_000L)).isEqualTo(1_800_000_000_123L);
        assertThat(in.readBytes()).containsExactly(1, 2, 3);
        in.expectEnd();
    }

    @Test
    void foreignOrTruncatedStateIsRefusedWithAReason() {
        assertThatThrownBy(() -> new StateReader(new byte[]{2, 0}, "source state", (byte) 1))
                .isInstanceOf(SerializationException.class).hasMessageContaining("format version 2, expected 1");
        byte[] good = SourceState.empty("pg/app").writeSource();
        assertThatThrownBy(() -> SourceState.readSource(Arrays.copyOf(good, good.length - 3)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("truncated");
    }

    @Test
    void rowsKeepIdsGenerationsAndSlots() {
        ObjectRows rows = new ObjectRows(3, 2);
        int a = rows.add(16_384, 0);
        rows.set(a, 0, 5);
        rows.set(a, 1, 1_800_000_000_000L);
        int b = rows.add(16_391, 7);
        rows.set(b, 2, -3);
        rows.seal();
        StateWriter out = new StateWriter(16, (byte) 1);
        rows.write(out, new long[]{0, 1_800_000_000_000L, 0});
        ObjectRows back = ObjectRows.read(new StateReader(out.toByteArray(), "rows", (byte) 1), 3,
                new long[]{0, 1_800_000_000_000L, 0});
        assertThat(back.size()).isEqualTo(2);
        assertThat(back.find(16_391)).isEqualTo(1);
        assertThat(back.gen(1)).isEqualTo(7);
        assertThat(back.get(0, 1)).isEqualTo(1_800_000_000_000L);
        assertThat(back.get(1, 0)).isEqualTo(StateWriter.NONE);
        assertThat(back.get(1, 2)).isEqualTo(-3);
        assertThat(back.find(1)).isEqualTo(-1);
    }
}
