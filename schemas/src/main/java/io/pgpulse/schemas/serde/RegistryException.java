package io.pgpulse.schemas.serde;

/**
 * An error answer from a Confluent-compatible schema registry, with the HTTP status and
 * Confluent's {@code error_code}. {@link #of} picks the subclass for the codes callers act
 * on, so they can catch what they mean ({@link SchemaNotFoundException},
 * {@link IncompatibleSchemaException}, ...) instead of comparing numbers.
 */
public class RegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Confluent's error code for a subject that has never been registered. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Confluent's error code for a version a subject does not have. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Confluent's error code for an unknown schema id, or a schema not under a subject. */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** Confluent's error code (and HTTP status) for a schema refused by the compatibility rule. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** Confluent's error code for a schema that does not parse. */
    public static final int INVALID_SCHEMA = 42201;
    /** Confluent's error code for an invalid compatibility level. */
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;

    private final int httpStatus;
    private final int errorCode;

    public RegistryException(int httpStatus, int errorCode, String message) {
        super(message + " (HTTP " + httpStatus + ", error_code " + errorCode + ")");
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** A failure with no answer from the registry (unreachable, timed out, interrupted). */
    public RegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = -1;
        this.errorCode = -1;
    }

    /** The exception for an error answer: a typed subclass for the codes callers act on. */
    public static RegistryException of(int httpStatus, int errorCode, String message) {
        return switch (errorCode) {
            case SUBJECT_NOT_FOUND -> new SubjectNotFoundException(httpStatus, errorCode, message);
            case VERSION_NOT_FOUND -> new VersionNotFoundException(httpStatus, errorCode, message);
            case SCHEMA_NOT_FOUND -> new SchemaNotFoundException(httpStatus, errorCode, message);
            case INCOMPATIBLE_SCHEMA -> new IncompatibleSchemaException(httpStatus, errorCode, message);
            case INVALID_SCHEMA -> new InvalidSchemaException(httpStatus, errorCode, message);
            default -> new RegistryException(httpStatus, errorCode, message);
        };
    }

    /** The HTTP status of the answer, -1 when there was none. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent's {@code error_code} of the answer, -1 when there was none. */
    public int errorCode() {
        return errorCode;
    }

    /** Whether asking again later may succeed: no answer at all, or a server-side error. */
    public boolean retriable() {
        return httpStatus == -1 || httpStatus >= 500 || httpStatus == 429;
    }
}
