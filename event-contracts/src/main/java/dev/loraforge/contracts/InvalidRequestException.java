package dev.loraforge.contracts;

import dev.loraforge.contracts.Problem.Violation;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A request refused before anything changed, every violation naming its field: the internal services'
 * answer is {@link #problem()}, 400 {@code invalid-request} with the violations in {@code errors}.
 */
public class InvalidRequestException extends RuntimeException {

    private final List<Violation> violations;

    public InvalidRequestException(List<Violation> violations) {
        super(violations.stream().map(v -> v.field() + ": " + v.message()).collect(Collectors.joining("; ")));
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("an invalid request names at least one violation");
        }
        this.violations = List.copyOf(violations);
    }

    public InvalidRequestException(String field, String message) {
        this(List.of(new Violation(field, message)));
    }

    public List<Violation> violations() {
        return violations;
    }

    /** 400 {@code invalid-request}: the joined violations as the detail, each one in {@code errors}. */
    public Problem problem() {
        return Problem.coded(400, "invalid-request", "Invalid request", getMessage()).withErrors(violations);
    }
}
