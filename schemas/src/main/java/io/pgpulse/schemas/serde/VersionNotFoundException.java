package io.pgpulse.schemas.serde;

/** The subject has no such version (error code 40402). */
public final class VersionNotFoundException extends RegistryException {

    private static final long serialVersionUID = 1L;

    public VersionNotFoundException(int httpStatus, int errorCode, String message) {
        super(httpStatus, errorCode, message);
    }
}
