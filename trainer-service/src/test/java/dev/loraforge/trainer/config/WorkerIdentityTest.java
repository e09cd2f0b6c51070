package dev.loraforge.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WorkerIdentityTest {

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void aHostNamedWorkerRecognisesOnlyItsDeadEarlierRuns() throws Exception {
        WorkerIdentity me = new WorkerIdentity(null, "node-a");
        assertThat(me.id()).isEqualTo("node-a-" + ProcessHandle.current().pid());
        assertThat(me.isFormerSelf("node-a-" + deadPid())).as("a process of this host that is gone").isTrue();
        assertThat(me.isFormerSelf(me.id())).as("its own id, asked at start: a restarted container's same pid").isTrue();
        long live = ProcessHandle.current().parent().orElseThrow().pid();
        assertThat(me.isFormerSelf("node-a-" + live)).as("a live process: another replica on this host").isFalse();
        assertThat(me.isFormerSelf("node-b-" + deadPid())).as("another host").isFalse();
        assertThat(me.isFormerSelf("node-a-x1")).isFalse();
        assertThat(me.isFormerSelf("node-a")).isFalse();
        assertThat(me.isFormerSelf(null)).isFalse();
    }

    @Test
    void aConfiguredIdIsTheSameWorkerAcrossRestarts() {
        WorkerIdentity me = new WorkerIdentity("trainer-0", "node-a");
        assertThat(me.id()).isEqualTo("trainer-0");
        assertThat(me.isFormerSelf("trainer-0")).isTrue();
        assertThat(me.isFormerSelf("trainer-1")).isFalse();
        assertThat(me.isFormerSelf("node-a-1")).as("host-named ids are not this worker's").isFalse();
    }
}
