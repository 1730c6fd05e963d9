package io.pgpulse.schemas.serde;

import org.apache.avro.Schema;

/** What the serde needs of a schema registry: ids for schemas, schemas for ids. */
public interface SchemaRegistry {

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its id. */
    int register(String subject, Schema schema);

    /**
     * Returns the id of {@code schema} under {@code subject}.
     *
     * @throws SchemaNotFoundException if it is not registered there
     * @throws SubjectNotFoundException if the subject does not exist
     */
    int lookup(String subject, Schema schema);

    /**
     * The schema registered under {@code id}.
     *
     * @throws SchemaNotFoundException if no schema has that id
     */
    Schema schemaById(int id);
}
