package dev.loraforge.engine.data;

import java.util.List;
import java.util.stream.Collectors;

/** A dataset that cannot be used, with every malformed line found (up to the validator's limit). */
public class DatasetException extends IllegalArgumentException {

    private final transient List<ValidationError> errors;

    public DatasetException(String source, List<ValidationError> errors) {
        super(source + " is not a valid dataset:\n  " + errors.stream().map(ValidationError::toString)
                .collect(Collectors.joining("\n  ")));
        this.errors = List.copyOf(errors);
    }

    public List<ValidationError> errors() {
        return errors;
    }
}
