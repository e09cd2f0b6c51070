package dev.loraforge.trainer.messaging;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.trainer.OperatorToken;
import static dev.loraforge.trainer.support.StandInArtifactStore.STORE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.notNullValue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.JobControl;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.JobProgress;
import dev.loraforge.events.Topics;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.trainer.support.ControlRequests;
import dev.loraforge.trainer.support.JobEvents;
import dev.loraforge.trainer.support.Jobs;
import dev.loraforge.trainer.support.StandInArtifactStore;
import dev.loraforge.trainer.support.TrainingFixtures;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cancel and pause requests from job-api reach the trainer over the real broker and stop a running
 * attempt before its next step; a cancel that overtakes its job's dispatch ends the attempt untrained.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class JobControlConsumerTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    /** 8 examples in batches of 2 for 1,000 epochs: 4,000 updates, far more than run before a request arrives. */
    private static final int LONG_EPOCHS = 1000;
    private static final int LONG_STEPS = 4000;

    @Test
    void cancelStopsARunningAttemptBeforeItsLastStep() {
        ControlRequests.awaitConsumerReading();
        String jobId = Jobs.newJobId();
        ArtifactRef training = TrainingFixtures.dataset("long.jsonl", TrainingFixtures.PIRATE_CHATS);
        JobEvents events = new JobEvents(jobId);
        events.publish(Topics.JOB_DISPATCH, Jobs.json(Jobs.dispatched(jobId, training, null,
                Jobs.hyperparameters(LONG_EPOCHS, 1e-3, 0))));

        JobProgress running = events.awaitProgress(p -> p.kind() == JobProgress.Kind.STEP && p.step() >= 3);
        assertThat(running.totalSteps()).isEqualTo(LONG_STEPS);
        // the lease: heartbeats (every second in the tests) carry the step and land in the attempt row
        JobProgress heartbeat = events.awaitProgress(p -> p.kind() == JobProgress.Kind.HEARTBEAT && p.step() > 0);
        assertThat(heartbeat.totalSteps()).isEqualTo(LONG_STEPS);
        assertThat(heartbeat.workerId()).isEqualTo(running.workerId());
        given().get("/api/v1/attempts/{id}", jobId).then().statusCode(200)
                .body("[0].state", equalTo("running"))
                .body("[0].worker_id", equalTo(running.workerId()))
                .body("[0].total_steps", equalTo(LONG_STEPS))
                .body("[0].step", greaterThan(0))
                .body("[0].heartbeat_at", notNullValue());

        ControlRequests.publish(events, jobId, JobControl.Action.CANCEL);

        JobOutcome outcome = events.awaitOutcome();
        assertThat(outcome.status()).isEqualTo(JobOutcome.Status.CANCELLED);
        assertThat(outcome.workerId()).isEqualTo(running.workerId());
        assertThat(outcome.adapter()).isNull();
        double stoppedAt = outcome.metrics().get("steps");
        assertThat(stoppedAt).isGreaterThanOrEqualTo(running.step()).isLessThan(LONG_STEPS);
        assertThat(events.progress(JobProgress.Kind.STEP)).extracting(JobProgress::step)
                .allSatisfy(step -> assertThat(step).isLessThanOrEqualTo((int) stoppedAt));
        assertThat(STORE.artifacts(jobId, "adapter")).isEmpty();
        assertThat(events.outcomes()).hasSize(1);

        given().get("/api/v1/attempts/{id}", jobId).then().statusCode(200)
                .body("[0].state", equalTo("cancelled"))
                .body("[0].step", equalTo((int) stoppedAt))
                .body("[0].step", lessThan(LONG_STEPS));
    }

    @Test
    void pauseStoresACheckpointWhereTheAttemptStopped() {
        ControlRequests.awaitConsumerReading();
        String jobId = Jobs.newJobId();
        ArtifactRef training = TrainingFixtures.dataset("long.jsonl", TrainingFixtures.PIRATE_CHATS);
        JobEvents events = new JobEvents(jobId);
        events.publish(Topics.JOB_DISPATCH, Jobs.json(Jobs.dispatched(jobId, training, null,
                Jobs.hyperparameters(LONG_EPOCHS, 1e-3, 0))));
        JobProgress running = events.awaitProgress(p -> p.kind() == JobProgress.Kind.STEP && p.step() >= 3);

        ControlRequests.publish(events, jobId, JobControl.Action.PAUSE);

        JobProgress paused = events.awaitProgress(p -> p.kind() == JobProgress.Kind.PAUSED);
        assertThat(paused.step()).isGreaterThanOrEqualTo(running.step()).isLessThan(LONG_STEPS);
        List<CheckpointSaved> checkpoints = events.checkpoints();
        assertThat(checkpoints).hasSize(1);
        CheckpointSaved checkpoint = checkpoints.get(0);
        assertThat(checkpoint.step()).isEqualTo(paused.step());
        JsonNode registered = STORE.artifact(checkpoint.checkpoint().id());
        assertThat(registered.path("kind").asText()).isEqualTo("checkpoint");
        assertThat(registered.path("metadata").path("step").asInt()).isEqualTo(paused.step());
        assertThat(STORE.hasBlob(checkpoint.checkpoint().digest())).isTrue();
        assertThat(events.outcomes()).as("a paused attempt has no outcome").isEmpty();

        given().get("/api/v1/attempts/{id}", jobId).then().statusCode(200)
                .body("[0].state", equalTo("paused"))
                .body("[0].checkpoint_id", equalTo(checkpoint.checkpoint().id()))
                .body("[0].checkpoint_step", equalTo(paused.step()));
    }

    @Test
    void cancelThatOvertakesItsDispatchEndsTheAttemptUntrained() {
        String jobId = Jobs.newJobId();
        JobEvents events = new JobEvents(jobId);
        ControlRequests.cancelRecorded(events, jobId);
        ArtifactRef training = TrainingFixtures.dataset("late.jsonl", TrainingFixtures.PIRATE_CHATS);

        events.publish(Topics.JOB_DISPATCH, Jobs.json(Jobs.dispatched(jobId, training, null, Jobs.hyperparameters(1, 1e-3, 0))));

        JobOutcome outcome = events.awaitOutcome();
        assertThat(outcome.status()).isEqualTo(JobOutcome.Status.CANCELLED);
        assertThat(outcome.metrics()).containsEntry("steps", 0.0);
        assertThat(events.progress(JobProgress.Kind.STARTED)).as("never announced as started").isEmpty();
        assertThat(events.progress(JobProgress.Kind.STEP)).isEmpty();
        given().get("/api/v1/attempts/{id}", jobId).then().statusCode(200)
                .body("[0].state", equalTo("cancelled"));
    }
}
