package io.pgpulse.schemas.serde;

/**
 * An error answer from a Confluent-compatible schema registry, with the HTTP status
 * and Confluent's {@code error_code} (e.g. 40403 schema not found, 409 incompatible).
 */
public final class RegistryException extends RuntimeException {

    private final int httpStatus;
    private final int errorCode;

    public RegistryException(int httpStatus, int errorCode, String message) {
        super(message + " (HTTP " + httpStatus + ", error_code " + errorCode + ")");
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = -1;
        this.errorCode = -1;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }
}
