package dev.loraforge.jobapi.webhooks;

import java.util.List;

/** The event types a webhook endpoint can receive, as OpenAI names them. */
public final class WebhookEventTypes {
    public static final String SUCCEEDED = "fine_tuning.job.succeeded";
    public static final String FAILED = "fine_tuning.job.failed";
    public static final String CANCELLED = "fine_tuning.job.cancelled";
    public static final List<String> ALL = List.of(SUCCEEDED, FAILED, CANCELLED);

    private WebhookEventTypes() {
    }

    /** The type announcing that a job reached {@code status}. */
    public static String forStatus(String status) {
        String type = "fine_tuning.job." + status;
        if (!ALL.contains(type)) {
            throw new IllegalArgumentException("no webhook event for job status '" + status + "'");
        }
        return type;
    }
}
