package io.pgpulse.schemas.serde;

/** The registry could not parse the schema (error code 42201). */
public final class InvalidSchemaException extends RegistryException {

    private static final long serialVersionUID = 1L;

    public InvalidSchemaException(int httpStatus, int errorCode, String message) {
        super(httpStatus, errorCode, message);
    }
}
