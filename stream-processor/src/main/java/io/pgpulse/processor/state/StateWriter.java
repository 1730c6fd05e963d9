package io.pgpulse.processor.state;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes the processor's own state compactly: integers as zig-zag varints (small
 * numbers take one byte), {@link #NONE} as a single zero byte, and strings through a
 * per-blob dictionary so that a name repeated in a blob (a schema, the table of an
 * index) is stored once. Only {@link StateReader} reads it back; the first byte of every
 * blob is a format version so a change of layout is detected instead of misread.
 */
public final class StateWriter {

    /** The value that stands for "nothing" (a null gauge, a timestamp never set). */
    public static final long NONE = Long.MIN_VALUE;

    private byte[] buffer;
    private int position;
    private final Map<String, Integer> dictionary = new HashMap<>();

    public StateWriter(int expectedBytes, byte formatVersion) {
        buffer = new byte[Math.max(16, expectedBytes)];
        buffer[position++] = formatVersion;
    }

    /** An unsigned varint; {@code value} must not be negative. */
    public void writeUnsigned(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            buffer[position++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buffer[position++] = (byte) value;
    }

    /** Any long, {@link #NONE} included: one byte for NONE and for 0, small magnitudes stay small. */
    public void writeLong(long value) {
        if (value == NONE) {
            writeUnsigned(0);
            return;
        }
        long zigzag = (value << 1) ^ (value >> 63);
        // zigzag + 1 cannot overflow: zigzag of NONE (the only value mapping to -1) is excluded above.
        writeUnsigned(zigzag + 1);
    }

    /** {@code value - reference}, or NONE: timestamps near a reference time take a byte or two. */
    public void writeRelative(long value, long reference) {
        writeLong(value == NONE ? NONE : value - reference);
    }

    public void writeInt(int value) {
        writeLong(value);
    }

    public void writeBoolean(boolean value) {
        writeUnsigned(value ? 1 : 0);
    }

    public void writeDouble(double value) {
        ensure(8);
        long bits = Double.doubleToRawLongBits(value);
        for (int i = 0; i < 8; i++) {
            buffer[position++] = (byte) (bits >>> (8 * i));
        }
    }

    /** A string, or null; a string already written in this blob costs one reference. */
    public void writeString(String value) {
        if (value == null) {
            writeUnsigned(0);
            return;
        }
        Integer known = dictionary.get(value);
        if (known != null) {
            writeUnsigned(2L * known + 1);
            return;
        }
        dictionary.put(value, dictionary.size());
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        writeUnsigned(2L * (utf8.length + 1));
        ensure(utf8.length);
        System.arraycopy(utf8, 0, buffer, position, utf8.length);
        position += utf8.length;
    }

    /** Bytes, or null. */
    public void writeBytes(byte[] value) {
        if (value == null) {
            writeUnsigned(0);
            return;
        }
        writeUnsigned(value.length + 1L);
        ensure(value.length);
        System.arraycopy(value, 0, buffer, position, value.length);
        position += value.length;
    }

    public void writeStringMap(Map<String, String> map) {
        writeUnsigned(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            writeString(e.getKey());
            writeString(e.getValue());
        }
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buffer, position);
    }

    // For ObjectRows, which writes its many values in one tight loop.
    byte[] buffer() {
        return buffer;
    }

    int position() {
        return position;
    }

    void position(int position) {
        this.position = position;
    }

    void ensure(int more) {
        if (position + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, position + more));
        }
    }
}
