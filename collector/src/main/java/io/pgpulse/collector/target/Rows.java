package io.pgpulse.collector.target;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of one query, whichever way they came: a JDBC result set from PostgreSQL, or
 * the text rows of a PgBouncer admin console command. Columns are numbered from 1.
 */
interface Rows extends AutoCloseable {

    /** The column labels, in order. */
    List<String> columns() throws SQLException;

    boolean next() throws SQLException;

    /** The 1-based position of a column; throws naming it when absent. */
    default int findColumn(String label) throws SQLException {
        int i = columns().indexOf(label);
        if (i < 0) {
            throw new SQLException("no column " + label + " in " + columns());
        }
        return i + 1;
    }

    /** Null for SQL NULL. */
    String text(int column) throws SQLException;

    Long integer(int column) throws SQLException;

    Double number(int column) throws SQLException;

    Boolean bool(int column) throws SQLException;

    Instant instant(int column) throws SQLException;

    @Override
    void close() throws SQLException;

    /** A JDBC result set as rows. */
    static Rows of(ResultSet rs) {
        return new Rows() {
            private List<String> columns;

            @Override
            public List<String> columns() throws SQLException {
                if (columns == null) {
                    ResultSetMetaData meta = rs.getMetaData();
                    columns = new ArrayList<>(meta.getColumnCount());
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        columns.add(meta.getColumnLabel(i));
                    }
                }
                return columns;
            }

            @Override
            public boolean next() throws SQLException {
                return rs.next();
            }

            @Override
            public int findColumn(String label) throws SQLException {
                return rs.findColumn(label);
            }

            @Override
            public String text(int column) throws SQLException {
                return rs.getString(column);
            }

            @Override
            public Long integer(int column) throws SQLException {
                long v = rs.getLong(column);
                return rs.wasNull() ? null : v;
            }

            @Override
            public Double number(int column) throws SQLException {
                double v = rs.getDouble(column);
                return rs.wasNull() ? null : v;
            }

            @Override
            public Boolean bool(int column) throws SQLException {
                boolean v = rs.getBoolean(column);
                return rs.wasNull() ? null : v;
            }

            @Override
            public Instant instant(int column) throws SQLException {
                Timestamp ts = rs.getTimestamp(column);
                return ts == null ? null : ts.toInstant();
            }

            @Override
            public void close() throws SQLException {
                rs.close();
            }
        };
    }

    /** Rows of text values (a console's answer); numbers are parsed on reading. */
    static Rows ofText(List<String> columns, List<String[]> values) {
        return new Rows() {
            private int row = -1;

            @Override
            public List<String> columns() {
                return columns;
            }

            @Override
            public boolean next() {
                return ++row < values.size();
            }

            @Override
            public String text(int column) {
                return values.get(row)[column - 1];
            }

            @Override
            public Long integer(int column) throws SQLException {
                String t = text(column);
                try {
                    return t == null ? null : Long.parseLong(t.trim());
                } catch (NumberFormatException e) {
                    throw new SQLException("column " + columns.get(column - 1) + ": expected a whole number, found " + t, "22P02");
                }
            }

            @Override
            public Double number(int column) throws SQLException {
                String t = text(column);
                try {
                    return t == null ? null : Double.parseDouble(t.trim());
                } catch (NumberFormatException e) {
                    throw new SQLException("column " + columns.get(column - 1) + ": expected a number, found " + t, "22P02");
                }
            }

            @Override
            public Boolean bool(int column) {
                String t = text(column);
                return t == null ? null : t.startsWith("t") || t.equals("1");
            }

            @Override
            public Instant instant(int column) throws SQLException {
                String t = text(column);
                if (t == null) {
                    return null;
                }
                try {
                    return Instant.parse(t.trim().replace(' ', 'T'));
                } catch (java.time.format.DateTimeParseException e) {
                    throw new SQLException("column " + columns.get(column - 1) + ": expected a timestamp, found " + t, "22007");
                }
            }

            @Override
            public void close() {
                row = values.size();
            }
        };
    }
}
