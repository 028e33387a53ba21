package dev.distill.pipeline.intake;

/**
 * A notification body that cannot be trusted as a whole: wrong content type, not JSON, or an event with a
 * missing, mistyped or invalid field. The message names the event and the field; the REST layer answers
 * 400 with it, and nothing from the request is acted on.
 */
public class MalformedNotificationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    // The message quotes values from an untrusted body and ends up in logs and HTTP responses.
    private static final int MAX_MESSAGE_LENGTH = 1000;

    public MalformedNotificationException(String message) {
        super(sanitize(message));
    }

    public MalformedNotificationException(String message, Throwable cause) {
        super(sanitize(message), cause);
    }

    private static String sanitize(String message) {
        String clean = message.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= MAX_MESSAGE_LENGTH ? clean : clean.substring(0, MAX_MESSAGE_LENGTH) + "...";
    }
}
