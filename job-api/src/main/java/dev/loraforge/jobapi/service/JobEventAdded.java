package dev.loraforge.jobapi.service;

/** An event row of a job was written; observed after the transaction commits. */
public record JobEventAdded(String jobId) {
}
