package io.pgpulse.collector.command;

import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.RetentionSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.postgresql.core.Utils;

/**
 * The guide's cleanup of old rows ({@code DELETE FROM audit_logs WHERE created_at <
 * now() - interval '90 days'}), done without hurting anyone: rows go in batches of
 * {@code batch_rows}, each batch its own short statement under the session's
 * {@code lock_timeout}, taking row locks only, at most {@code max_batches} per command.
 * Table and column names reach the SQL only quoted by pgjdbc's
 * {@link Utils#escapeIdentifier}; the cut-off and the batch size are bind parameters.
 */
final class RetentionDelete {

    /** The shortest retention an agent accepts: a cut-off of minutes is a typo, not a policy. */
    static final Duration MIN_KEEP = Duration.ofDays(1);
    static final int MAX_BATCH_ROWS = 100_000;
    static final int MAX_BATCHES = 10_000;

    private static final String COLUMN = SqlText.load("retention-column.sql");
    private static final String DELETE = SqlText.load("retention-delete.sql");
    private static final Set<String> TIME_TYPES = Set.of("timestamp", "timestamptz", "date");

    private RetentionDelete() {
    }

    /** Why the command's retention part is unacceptable, before anything connects; empty when fine. */
    static Optional<String> refusal(MaintenanceCommand command) {
        RetentionSpec spec = command.getRetention();
        if (spec == null) {
            return Optional.of("RETENTION_DELETE without a retention part (column, cut-off, batch size)");
        }
        if (spec.getOlderThanMs() < MIN_KEEP.toMillis()) {
            return Optional.of("retention keeps only " + Duration.ofMillis(spec.getOlderThanMs()) + "; this agent deletes "
                    + "nothing younger than " + MIN_KEEP.toDays() + " day");
        }
        if (spec.getBatchRows() < 1 || spec.getBatchRows() > MAX_BATCH_ROWS) {
            return Optional.of("retention batch of " + spec.getBatchRows() + " rows; expected 1 to " + MAX_BATCH_ROWS);
        }
        if (spec.getMaxBatches() < 1 || spec.getMaxBatches() > MAX_BATCHES) {
            return Optional.of("retention of " + spec.getMaxBatches() + " batches; expected 1 to " + MAX_BATCHES);
        }
        return Optional.empty();
    }

    /** Why the table or column does not fit on the database itself; empty when fine. */
    static Optional<String> tableProblem(Connection conn, long tableOid, String quotedTable, String column)
            throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(COLUMN)) {
            ps.setString(1, column);
            ps.setLong(2, tableOid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.of("object " + quotedTable + " no longer exists");
                }
                if (!"r".equals(rs.getString("relkind"))) {
                    return Optional.of(quotedTable + " is not a plain table (relkind " + rs.getString("relkind")
                            + "); retention runs on plain tables only");
                }
                String type = rs.getString("column_type");
                if (type == null) {
                    return Optional.of(quotedTable + " has no column " + quote(column));
                }
                if (!TIME_TYPES.contains(type)) {
                    return Optional.of("column " + quote(column) + " of " + quotedTable + " is " + type
                            + ", expected timestamp, timestamptz or date");
                }
                return Optional.empty();
            }
        }
    }

    /** The statement as it runs, with the table and column quoted and the values still parameters. */
    static String statement(String quotedTable, String column) throws SQLException {
        return DELETE.replace("{table}", quotedTable).replace("{column}", quote(column));
    }

    /** What a person reads in the result: the statement with its values written in. */
    static String describe(String quotedTable, RetentionSpec spec) throws SQLException {
        return String.format(Locale.ROOT, "DELETE FROM %s WHERE %s < now() - interval '%d seconds' in batches of %,d rows"
                        + " (at most %,d batches)", quotedTable, quote(spec.getTimestampColumn()),
                spec.getOlderThanMs() / 1000, spec.getBatchRows(), spec.getMaxBatches());
    }

    /** Deletes batch after batch until one comes back short or the batch budget is spent; returns the rows deleted. */
    static long run(Connection conn, String quotedTable, RetentionSpec spec) throws SQLException {
        long deleted = 0;
        try (PreparedStatement ps = conn.prepareStatement(statement(quotedTable, spec.getTimestampColumn()))) {
            for (int batch = 0; batch < spec.getMaxBatches(); batch++) {
                ps.setDouble(1, spec.getOlderThanMs() / 1000.0);
                ps.setInt(2, spec.getBatchRows());
                int rows = ps.executeUpdate(); // autocommit: every batch commits and releases its locks
                deleted += rows;
                if (rows < spec.getBatchRows()) {
                    break;
                }
            }
        }
        return deleted;
    }

    private static String quote(String identifier) throws SQLException {
        StringBuilder out = new StringBuilder();
        Utils.escapeIdentifier(out, identifier);
        return out.toString();
    }
}
