package io.pgpulse.registry;

/**
 * A failed registry request, carrying the Confluent error code that goes into the response
 * body. The HTTP status is the code's first three digits (40401 → 404), as in Confluent's
 * {@code Errors} class.
 */
final class RegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    static final int SUBJECT_NOT_FOUND = 40401;
    static final int VERSION_NOT_FOUND = 40402;
    static final int SCHEMA_NOT_FOUND = 40403;
    static final int SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED = 40408;
    static final int INCOMPATIBLE_SCHEMA = 409;
    static final int INVALID_SCHEMA = 42201;
    static final int INVALID_VERSION = 42202;
    static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    static final int STORE_ERROR = 50001;
    static final int STORE_TIMEOUT = 50002;

    private final int errorCode;

    RegistryException(int errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    RegistryException(int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    int errorCode() {
        return errorCode;
    }

    int httpStatus() {
        return errorCode >= 1000 ? errorCode / 100 : errorCode;
    }

    static RegistryException subjectNotFound(String subject) {
        return new RegistryException(SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    static RegistryException versionNotFound(int version) {
        return new RegistryException(VERSION_NOT_FOUND, "Version " + version + " not found.");
    }

    static RegistryException schemaNotFound(String what) {
        return new RegistryException(SCHEMA_NOT_FOUND, what + " not found.");
    }

    static RegistryException invalidSchema(String detail) {
        return new RegistryException(INVALID_SCHEMA, "Invalid schema: " + detail);
    }

    static RegistryException invalidVersion(String version) {
        return new RegistryException(INVALID_VERSION, "The specified version '" + version
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }
}
