package dev.distill.service;

import dev.distill.events.MigrationEvent;
import dev.distill.events.Stage;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.stage.StageRunner;
import dev.distill.pipeline.stage.StageStep;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The common half of a stage's Kafka consumer: a subclass declares its {@code @Incoming} method (the channel name
 * must be a constant) with {@code @Blocking(value = "<its worker pool>", ordered = false)} and returns
 * {@link #handle}'s stage. The method only hands the record to the {@link StageRunner} and returns at once, so
 * several inputs are worked on together (up to the pool's {@code max-concurrency}, {@code distill.stage.concurrency})
 * and a slow one holds up none of the others; the record is acknowledged when its outcome is durable, and the
 * throttled commit strategy commits an offset only once every earlier record of its partition is acknowledged. An
 * unreadable record fails the stage, so the channel's dead-letter strategy takes it.
 *
 * @param <I> the stage's input event
 */
public abstract class StageConsumer<I extends MigrationEvent> {

    @Inject
    PipelineInfrastructure infrastructure;

    @Inject
    EventPublisher publisher;

    @Inject
    Clock clock;

    private final Stage stage;
    private final String channel;
    private final String inputTopic;
    private final Class<I> inputType;
    private StageRunner runner;

    /**
     * @param channel the incoming channel, whose consumer group is the stage's
     */
    protected StageConsumer(Stage stage, String channel, String inputTopic, Class<I> inputType) {
        this.stage = stage;
        this.channel = channel;
        this.inputTopic = inputTopic;
        this.inputType = inputType;
    }

    /** The stage's work. */
    protected abstract StageStep<I> step();

    @PostConstruct
    void createRunner() {
        runner = infrastructure.runner(stage, channel, publisher, clock);
    }

    /**
     * Makes this consumer, its runner and its step (with what the step needs: work directory, caches, clients) at
     * start rather than on the first input, which otherwise waits for them between the previous stage's outcome and
     * this stage's start (issue 15: ~0.1-0.8 s on the first migration after a start). A step that cannot be made now
     * fails the start, where it would have failed every input.
     */
    void createAtStart(@Observes StartupEvent event) {
        step();
    }

    /** The runner of this stage: its inputs in flight, and {@link StageRunner#abandon} to cancel one. */
    public StageRunner runner() {
        return runner;
    }

    protected CompletionStage<Void> handle(ConsumerRecord<String, String> record) {
        return runner.submitRecord(inputTopic, record.key(), record.value(), inputType, step()).thenApply(result -> null);
    }
}
