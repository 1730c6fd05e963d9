package io.pgpulse.collector.target;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Turns the current row of a result set into the generated Avro record whose field
 * names are the query's column aliases. A SQL NULL becomes null where the schema
 * allows it and is an error where it does not, naming the column.
 */
final class RowMapper {

    private RowMapper() {
    }

    static SpecificRecordBase toRecord(ResultSet row, Schema recordSchema) throws SQLException {
        SpecificRecordBase record = (SpecificRecordBase) SpecificData.getForSchema(recordSchema).newRecord(null, recordSchema);
        for (Schema.Field field : recordSchema.getFields()) {
            int column;
            try {
                column = row.findColumn(field.name());
            } catch (SQLException missing) {
                // A column the query does not return keeps the schema's default.
                record.put(field.pos(), SpecificData.getForSchema(recordSchema).getDefaultValue(field));
                continue;
            }
            record.put(field.pos(), value(row, column, field));
        }
        return record;
    }

    private static Object value(ResultSet row, int column, Schema.Field field) throws SQLException {
        Schema schema = field.schema();
        boolean nullable = schema.getType() == Schema.Type.UNION;
        if (nullable) {
            schema = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow();
        }
        Object value = read(row, column, schema);
        if (row.wasNull() || value == null) {
            if (!nullable) {
                throw new SQLException("column " + field.name() + " is NULL but the snapshot schema requires a value");
            }
            return null;
        }
        return value;
    }

    private static Object read(ResultSet row, int column, Schema schema) throws SQLException {
        LogicalType logical = schema.getLogicalType();
        if (logical instanceof LogicalTypes.TimestampMillis) {
            Timestamp ts = row.getTimestamp(column);
            return ts == null ? null : ts.toInstant();
        }
        return switch (schema.getType()) {
            case LONG -> row.getLong(column);
            case INT -> row.getInt(column);
            case DOUBLE -> row.getDouble(column);
            case FLOAT -> row.getFloat(column);
            case BOOLEAN -> row.getBoolean(column);
            case STRING -> row.getString(column);
            default -> throw new SQLException("unsupported snapshot field type " + schema.getType());
        };
    }
}
