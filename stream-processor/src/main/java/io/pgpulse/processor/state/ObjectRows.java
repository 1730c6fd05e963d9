package io.pgpulse.processor.state;

import java.util.Arrays;

/**
 * One kind of object of one source (its tables, its indexes, its statements) as rows of
 * {@code width} long slots, each row keyed by a long id (an OID; a hash of queryid and
 * user for statements) and stamped with the generation of its tracking: a row that
 * disappears and comes back is tracked anew under a new generation, so a window never
 * subtracts values of two different trackings.
 *
 * <p>Built once, then only read: a state step makes new rows instead of changing old ones,
 * which is what lets the previous and the current state of a source sit side by side.
 */
public final class ObjectRows {

    private final int width;
    private int size;
    private long[] ids;
    private int[] gens;
    private long[] values;
    private int[] index; // open addressing: slot -> row + 1, 0 = empty; built lazily
    private boolean sealed;

    public ObjectRows(int width, int expectedRows) {
        this.width = width;
        int capacity = Math.max(4, expectedRows);
        this.ids = new long[capacity];
        this.gens = new int[capacity];
        this.values = new long[capacity * width];
        // Every slot starts as NONE; filling the whole array at once is cheaper than row by row.
        Arrays.fill(values, StateWriter.NONE);
    }

    public static ObjectRows empty(int width) {
        ObjectRows rows = new ObjectRows(width, 0);
        rows.seal();
        return rows;
    }

    public int width() {
        return width;
    }

    public int size() {
        return size;
    }

    public long id(int row) {
        return ids[row];
    }

    public int gen(int row) {
        return gens[row];
    }

    public long get(int row, int slot) {
        return values[row * width + slot];
    }

    /** Appends a row (all slots {@link StateWriter#NONE}) and returns its number; only before {@link #seal}. */
    public int add(long id, int gen) {
        if (sealed) {
            throw new IllegalStateException("rows are sealed");
        }
        if (size == ids.length) {
            int capacity = size * 2;
            ids = Arrays.copyOf(ids, capacity);
            gens = Arrays.copyOf(gens, capacity);
            values = Arrays.copyOf(values, capacity * width);
            Arrays.fill(values, size * width, values.length, StateWriter.NONE);
        }
        ids[size] = id;
        gens[size] = gen;
        index = null;
        return size++;
    }

    public void set(int row, int slot, long value) {
        if (sealed) {
            throw new IllegalStateException("rows are sealed");
        }
        values[row * width + slot] = value;
    }

    /** No more changes from here on. */
    public ObjectRows seal() {
        sealed = true;
        return this;
    }

    /**
     * The row with {@code id}, or -1, trying row {@code hint} first: the rows of two states of a
     * source, and a snapshot's lists, usually come in the same order (the collector sorts by OID),
     * so most lookups need no hashing at all.
     */
    public int find(long id, int hint) {
        if (hint >= 0 && hint < size && ids[hint] == id) {
            return hint;
        }
        return find(id);
    }

    /** The row with {@code id}, or -1. */
    public int find(long id) {
        if (size == 0) {
            return -1;
        }
        if (index == null) {
            buildIndex();
        }
        int mask = index.length - 1;
        int slot = mix(id) & mask;
        while (true) {
            int entry = index[slot];
            if (entry == 0) {
                return -1;
            }
            if (ids[entry - 1] == id) {
                return entry - 1;
            }
            slot = (slot + 1) & mask;
        }
    }

    private void buildIndex() {
        int capacity = Integer.highestOneBit(Math.max(4, size) * 2) << 1;
        int[] table = new int[capacity];
        int mask = capacity - 1;
        for (int row = 0; row < size; row++) {
            int slot = mix(ids[row]) & mask;
            while (table[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            table[slot] = row + 1;
        }
        index = table;
    }

    private static int mix(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /**
     * Writes the rows; ids are delta-coded against the previous row (OIDs of one database
     * are close together), and each slot relative to {@code references[slot]} when given.
     * The encoding is {@link StateWriter#writeRelative}'s, written in one loop: a source's
     * objects are thousands of values, written for every snapshot.
     */
    public void write(StateWriter out, long[] references) {
        out.writeUnsigned(size);
        out.ensure(size * (width + 2) * 10);
        byte[] b = out.buffer();
        int p = out.position();
        long previousId = 0;
        for (int row = 0; row < size; row++) {
            p = put(b, p, ids[row] - previousId, 0);
            previousId = ids[row];
            p = putUnsigned(b, p, gens[row]);
            int base = row * width;
            for (int slot = 0; slot < width; slot++) {
                p = put(b, p, values[base + slot], references == null ? 0 : references[slot]);
            }
        }
        out.position(p);
    }

    private static int put(byte[] b, int p, long value, long reference) {
        if (value == StateWriter.NONE) {
            b[p++] = 0;
            return p;
        }
        long v = value - reference;
        return putUnsigned(b, p, ((v << 1) ^ (v >> 63)) + 1);
    }

    private static int putUnsigned(byte[] b, int p, long u) {
        while ((u & ~0x7FL) != 0) {
            b[p++] = (byte) ((u & 0x7F) | 0x80);
            u >>>= 7;
        }
        b[p++] = (byte) u;
        return p;
    }

    public static ObjectRows read(StateReader in, int width, long[] references) {
        int size = (int) in.readUnsigned();
        ObjectRows rows = new ObjectRows(width, size);
        byte[] b = in.buffer();
        int p = in.position();
        long[] ids = rows.ids;
        int[] gens = rows.gens;
        long[] values = rows.values;
        try {
            long id = 0;
            for (int row = 0; row < size; row++) {
                for (int slot = -2; slot < width; slot++) {
                    long u = 0;
                    int shift = 0;
                    byte x;
                    do {
                        x = b[p++];
                        u |= (long) (x & 0x7F) << shift;
                        shift += 7;
                    } while (x < 0 && shift < 70);
                    if (x < 0) {
                        throw new org.apache.kafka.common.errors.SerializationException(in.what() + ": malformed varint in rows");
                    }
                    if (slot == -2) {
                        id += decode(u, 0);
                        ids[row] = id;
                    } else if (slot == -1) {
                        gens[row] = (int) u;
                    } else {
                        values[row * width + slot] = decode(u, references == null ? 0 : references[slot]);
                    }
                }
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new org.apache.kafka.common.errors.SerializationException(in.what() + ": state truncated in its rows");
        }
        rows.size = size;
        in.position(p);
        return rows.seal();
    }

    private static long decode(long u, long reference) {
        if (u == 0) {
            return StateWriter.NONE;
        }
        long z = u - 1;
        return ((z >>> 1) ^ -(z & 1)) + reference;
    }
}
