package io.pgpulse.schemas.command;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The HMAC keys commands are signed with. Written as {@code id:base64secret}
 * entries separated by commas (e.g. in the {@code PGPULSE_COMMAND_KEYS} environment
 * variable or a file). The last entry is the one the alert sink signs with; the
 * executor accepts every entry, so a key is rotated by appending a new one, rolling
 * it out to the agents, then to the sink, and finally removing the old one.
 */
public final class SigningKeys {

    /** At least 256 bits: HMAC-SHA256 gains nothing from more, and loses strength with less. */
    public static final int MIN_SECRET_BYTES = 32;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final Map<String, byte[]> secrets;
    private final String activeKeyId;

    private SigningKeys(Map<String, byte[]> secrets, String activeKeyId) {
        this.secrets = Collections.unmodifiableMap(secrets);
        this.activeKeyId = activeKeyId;
    }

    /** Parses {@code id:base64secret[,id:base64secret...]}; throws naming the entry that is wrong. */
    public static SigningKeys parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("no signing keys: expected id:base64secret[,id:base64secret...]");
        }
        Map<String, byte[]> secrets = new LinkedHashMap<>();
        String last = null;
        int position = 0;
        for (String entry : spec.strip().split("\\s*,\\s*")) {
            position++;
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("signing key " + position + ": expected id:base64secret, found no id");
            }
            String id = entry.substring(0, colon);
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("signing key " + position + ": id must be 1-64 letters, digits, '.', '_' or '-', found '" + id + "'");
            }
            byte[] secret;
            try {
                secret = Base64.getDecoder().decode(entry.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("signing key " + id + ": secret is not valid base64");
            }
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("signing key " + id + ": secret has " + secret.length
                        + " bytes, at least " + MIN_SECRET_BYTES + " are needed");
            }
            if (secrets.put(id, secret) != null) {
                throw new IllegalArgumentException("signing key " + id + ": listed twice");
            }
            last = id;
        }
        return new SigningKeys(secrets, last);
    }

    /** A fresh random key, e.g. for the demo or for `pgpulse remediation keygen`. */
    public static String generate(String id) {
        byte[] secret = new byte[MIN_SECRET_BYTES];
        new SecureRandom().nextBytes(secret);
        return id + ":" + Base64.getEncoder().encodeToString(secret);
    }

    public String activeKeyId() {
        return activeKeyId;
    }

    byte[] activeSecret() {
        return secrets.get(activeKeyId);
    }

    Optional<byte[]> secret(String keyId) {
        return Optional.ofNullable(keyId == null ? null : secrets.get(keyId));
    }

    @Override
    public String toString() {
        // Never the secrets: this may end up in a log line.
        return "SigningKeys" + secrets.keySet() + " active=" + activeKeyId;
    }
}
