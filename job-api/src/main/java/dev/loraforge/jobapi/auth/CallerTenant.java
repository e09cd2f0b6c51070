package dev.loraforge.jobapi.auth;

import jakarta.enterprise.context.RequestScoped;

/** The tenant of the API key that authenticated the current request. */
@RequestScoped
public class CallerTenant {

    private String id;

    void set(String id) {
        this.id = id;
    }

    /** Whether an API key authenticated this request. */
    public boolean isSet() {
        return id != null;
    }

    /** @throws IllegalStateException outside an authenticated {@code /v1} request */
    public String id() {
        if (id == null) {
            throw new IllegalStateException("no authenticated tenant in this request");
        }
        return id;
    }
}
