package io.pgpulse.schemas.serde;

/** No schema has this id, or the schema is not registered under the subject (error code 40403). */
public final class SchemaNotFoundException extends RegistryException {

    private static final long serialVersionUID = 1L;

    public SchemaNotFoundException(int httpStatus, int errorCode, String message) {
        super(httpStatus, errorCode, message);
    }
}
