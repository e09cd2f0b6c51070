package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.repository.JobEntity;

/**
 * Fired synchronously, inside the transaction that moved a job to {@code succeeded}, {@code failed}
 * or {@code cancelled}; observers that write rows (webhook deliveries) commit or roll back with it.
 */
public record JobEnded(JobEntity job) {
}
