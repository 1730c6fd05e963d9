package io.pgpulse.schemas.serde;

/** The registry refused a schema under the subject's compatibility rule (HTTP 409). */
public final class IncompatibleSchemaException extends RegistryException {

    private static final long serialVersionUID = 1L;

    public IncompatibleSchemaException(int httpStatus, int errorCode, String message) {
        super(httpStatus, errorCode, message);
    }
}
