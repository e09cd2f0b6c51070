package dev.loraforge.trainer.config;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/**
 * The id this worker signs its events and leases with: {@code trainer.worker-id} when set (stable across restarts;
 * two live processes must never share one), else {@code <host name>-<pid>}.
 */
@ApplicationScoped
public class WorkerIdentity {

    private final String id;
    private final boolean configured;
    private final String host;

    @jakarta.inject.Inject
    public WorkerIdentity(TrainerConfig config) {
        this(config.workerId().filter(s -> !s.isBlank()).orElse(null), hostName());
    }

    WorkerIdentity(String configuredId, String host) {
        this.configured = configuredId != null;
        this.host = host;
        this.id = configured ? configuredId : host == null ? "worker-" + UUID.randomUUID().toString().substring(0, 8)
                : host + "-" + ProcessHandle.current().pid();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * Whether {@code workerId} was an earlier incarnation of this worker, now gone, so that what it held was
     * interrupted. Asked at start, before this process claims anything: this worker's own id (a configured one, or a
     * container restarted with the same host name and pid), or {@code <this host>-<pid>} of a process that no longer
     * runs. A live process on this host (another replica) is never one; a pid the system gave to another process
     * since is taken as alive (its attempts then wait for their lease, as any other worker's).
     */
    public boolean isFormerSelf(String workerId) {
        if (workerId == null) {
            return false;
        }
        if (workerId.equals(id)) {
            return true;
        }
        if (configured) {
            return false;
        }
        if (host == null || !workerId.startsWith(host + "-")) {
            return false;
        }
        String tail = workerId.substring(host.length() + 1);
        if (!tail.matches("[0-9]{1,10}")) {
            return false;
        }
        long pid = Long.parseLong(tail);
        return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    public String id() {
        return id;
    }
}
