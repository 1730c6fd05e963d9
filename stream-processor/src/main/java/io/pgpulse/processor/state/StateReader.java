package io.pgpulse.processor.state;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;

/** Reads what a {@link StateWriter} wrote; a truncated or foreign blob fails with a message, never silently. */
public final class StateReader {

    private final byte[] buffer;
    private final String what;
    private int position;
    private final List<String> dictionary = new ArrayList<>();

    /**
     * @param what           what the blob holds, for error messages
     * @param formatVersion  the version this code writes; any other is refused
     */
    public StateReader(byte[] buffer, String what, byte formatVersion) {
        this.buffer = buffer;
        this.what = what;
        if (buffer.length == 0 || buffer[0] != formatVersion) {
            throw new SerializationException(what + " has state format version "
                    + (buffer.length == 0 ? "none" : buffer[0]) + ", expected " + formatVersion);
        }
        position = 1;
    }

    public long readUnsigned() {
        long value = 0;
        int shift = 0;
        while (true) {
            if (position >= buffer.length) {
                throw truncated();
            }
            byte b = buffer[position++];
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
            shift += 7;
            if (shift > 63) {
                throw new SerializationException(what + ": malformed varint at byte " + position);
            }
        }
    }

    public long readLong() {
        long stored = readUnsigned();
        if (stored == 0) {
            return StateWriter.NONE;
        }
        long zigzag = stored - 1;
        return (zigzag >>> 1) ^ -(zigzag & 1);
    }

    public long readRelative(long reference) {
        long delta = readLong();
        return delta == StateWriter.NONE ? StateWriter.NONE : reference + delta;
    }

    public int readInt() {
        return (int) readLong();
    }

    public boolean readBoolean() {
        return readUnsigned() != 0;
    }

    public double readDouble() {
        if (position + 8 > buffer.length) {
            throw truncated();
        }
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits |= (buffer[position++] & 0xFFL) << (8 * i);
        }
        return Double.longBitsToDouble(bits);
    }

    public String readString() {
        long tag = readUnsigned();
        if (tag == 0) {
            return null;
        }
        if ((tag & 1) == 1) {
            int index = (int) (tag >>> 1);
            if (index >= dictionary.size()) {
                throw new SerializationException(what + ": string reference " + index + " before its definition");
            }
            return dictionary.get(index);
        }
        int length = (int) (tag >>> 1) - 1;
        if (length < 0 || position + length > buffer.length) {
            throw truncated();
        }
        String value = new String(buffer, position, length, StandardCharsets.UTF_8);
        position += length;
        dictionary.add(value);
        return value;
    }

    public byte[] readBytes() {
        long tag = readUnsigned();
        if (tag == 0) {
            return null;
        }
        int length = (int) (tag - 1);
        if (length < 0 || position + length > buffer.length) {
            throw truncated();
        }
        byte[] value = java.util.Arrays.copyOfRange(buffer, position, position + length);
        position += length;
        return value;
    }

    public Map<String, String> readStringMap() {
        int size = (int) readUnsigned();
        Map<String, String> map = new HashMap<>(Math.max(4, size * 2));
        for (int i = 0; i < size; i++) {
            map.put(readString(), readString());
        }
        return map;
    }

    byte[] buffer() {
        return buffer;
    }

    int position() {
        return position;
    }

    void position(int position) {
        this.position = position;
    }

    String what() {
        return what;
    }

    /** Fails unless every byte was read: a blob longer than its layout is not ours. */
    public void expectEnd() {
        if (position != buffer.length) {
            throw new SerializationException(what + ": " + (buffer.length - position) + " bytes left after the state");
        }
    }

    private SerializationException truncated() {
        return new SerializationException(what + ": state truncated at byte " + position + " of " + buffer.length);
    }
}
