package dev.loraforge.trainer.config;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/** The id this worker signs its events and leases with. */
@ApplicationScoped
public class WorkerIdentity {

    private final String id;

    public WorkerIdentity(TrainerConfig config) {
        this.id = config.workerId().filter(s -> !s.isBlank()).orElseGet(WorkerIdentity::hostName);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
        } catch (UnknownHostException e) {
            return "worker-" + UUID.randomUUID().toString().substring(0, 8);
        }
    }

    public String id() {
        return id;
    }
}
