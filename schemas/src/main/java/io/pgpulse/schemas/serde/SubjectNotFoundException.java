package io.pgpulse.schemas.serde;

/** The subject was never registered (error code 40401). */
public final class SubjectNotFoundException extends RegistryException {

    private static final long serialVersionUID = 1L;

    public SubjectNotFoundException(int httpStatus, int errorCode, String message) {
        super(httpStatus, errorCode, message);
    }
}
