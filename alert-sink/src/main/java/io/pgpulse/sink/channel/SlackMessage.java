package io.pgpulse.sink.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.Severity;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The body of a Slack incoming-webhook post for one notification: a {@code text}
 * fallback (shown in push notifications) and one attachment per alert, coloured by
 * severity (green once resolved), whose blocks hold the summary, the facts a DBA
 * looks at first and a runbook link. Format:
 * https://api.slack.com/messaging/webhooks and https://api.slack.com/reference/messaging/attachments
 */
public final class SlackMessage {

    /** Attachment colours: red pages, amber wants attention, blue is advice, green is over. */
    public static final String CRITICAL_COLOR = "#d00000";
    public static final String WARNING_COLOR = "#f2a900";
    public static final String INFO_COLOR = "#439fe0";
    public static final String RESOLVED_COLOR = "#2eb886";

    private static final ObjectMapper JSON = new ObjectMapper();

    private SlackMessage() {
    }

    /**
     * @param notification what to say
     * @param slackChannel a channel override such as {@code #db-alerts}, or null for the webhook's own
     * @param runbookUrl   a link template with {@code {{alertname}}}, used when an alert's runbook is not a link itself; or null
     */
    public static ObjectNode of(Notification notification, String slackChannel, String runbookUrl) {
        ObjectNode body = JSON.createObjectNode();
        if (slackChannel != null) {
            body.put("channel", slackChannel);
        }
        body.put("text", fallback(notification));
        ArrayNode attachments = body.putArray("attachments");
        for (Alert alert : notification.changed()) {
            attachments.add(attachment(alert, notification.repeat(), runbookUrl));
        }
        return body;
    }

    static String color(Alert alert) {
        if (alert.getStatus() == AlertStatus.RESOLVED) {
            return RESOLVED_COLOR;
        }
        return switch (alert.getSeverity()) {
            case CRITICAL -> CRITICAL_COLOR;
            case WARNING -> WARNING_COLOR;
            case INFO -> INFO_COLOR;
        };
    }

    private static String fallback(Notification notification) {
        long firing = notification.changed().stream().filter(a -> a.getStatus() == AlertStatus.FIRING).count();
        long resolved = notification.changed().size() - firing;
        StringBuilder text = new StringBuilder(notification.repeat() ? "[STILL FIRING] " : "");
        if (firing > 0) {
            text.append("[FIRING:").append(firing).append("] ");
        }
        if (resolved > 0) {
            text.append("[RESOLVED:").append(resolved).append("] ");
        }
        if (notification.changed().size() == 1) {
            text.append(escape(notification.changed().get(0).getSummary()));
        } else {
            Map<String, String> labels = new TreeMap<>(notification.groupLabels());
            text.append(escape(labels.toString()));
        }
        return text.toString().strip();
    }

    private static ObjectNode attachment(Alert alert, boolean repeat, String runbookUrl) {
        ObjectNode attachment = JSON.createObjectNode();
        attachment.put("color", color(alert));
        String status = alert.getStatus() == AlertStatus.RESOLVED ? "RESOLVED"
                : alert.getEscalation() != null && !repeat ? "ESCALATED" : repeat ? "STILL FIRING" : "FIRING";
        String title = "[" + status + "] " + alert.getRule() + " (" + severity(alert.getSeverity()) + ") on "
                + alert.getSourceId();
        attachment.put("fallback", escape(title + ": " + alert.getSummary()));
        ArrayNode blocks = attachment.putArray("blocks");

        blocks.addObject().put("type", "section").putObject("text")
                .put("type", "mrkdwn")
                .put("text", "*" + escape(title) + "*\n" + escape(alert.getSummary())
                        + (alert.getEscalation() == null ? "" : "\n_Escalated: " + escape(alert.getEscalation()) + "_"));

        ArrayNode fields = blocks.addObject().put("type", "section").putArray("fields");
        field(fields, "Source", alert.getSourceId());
        if (alert.getObject() != null) {
            String schema = alert.getObject().getSchemaName();
            field(fields, alert.getObject().getKind().name().toLowerCase(Locale.ROOT),
                    (schema == null ? "" : schema + ".") + alert.getObject().getName());
        }
        field(fields, "Value", alert.getValue() == null ? "n/a" : String.valueOf(alert.getValue()));
        field(fields, "Threshold", String.valueOf(alert.getThreshold()));
        field(fields, "Started", alert.getStartsAt().toString());
        if (alert.getEndsAt() != null) {
            field(fields, "Ended", alert.getEndsAt().toString());
        }
        if (alert.getAnnotations().containsKey("remediation")) {
            field(fields, "Remediation", alert.getAnnotations().get("remediation"));
        }

        String link = runbookLink(alert, runbookUrl);
        StringBuilder context = new StringBuilder();
        if (link != null) {
            context.append("<").append(link).append("|Runbook>");
        }
        if (alert.getRunbook() != null && !alert.getRunbook().equals(link)) {
            context.append(context.length() > 0 ? " · " : "").append(escape(alert.getRunbook()));
        }
        if (context.length() > 0) {
            blocks.addObject().put("type", "context").putArray("elements").addObject()
                    .put("type", "mrkdwn").put("text", context.toString());
        }
        return attachment;
    }

    /** The runbook as a link: the alert's own when it is one, else the channel's template, else none. */
    static String runbookLink(Alert alert, String runbookUrl) {
        String own = alert.getAnnotations().getOrDefault("runbook_url", alert.getRunbook());
        if (own != null && (own.startsWith("https://") || own.startsWith("http://"))) {
            return own;
        }
        return runbookUrl == null ? null : runbookUrl.replace("{{alertname}}", alert.getRule());
    }

    private static void field(ArrayNode fields, String name, String value) {
        fields.addObject().put("type", "mrkdwn").put("text", "*" + escape(name) + "*\n" + escape(value));
    }

    private static String severity(Severity severity) {
        return severity.name().toLowerCase(Locale.ROOT);
    }

    /** Slack's control characters in text: https://api.slack.com/reference/surfaces/formatting#escaping */
    static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
