package dev.distill.service;

import dev.distill.events.MigrationEvent;
import dev.distill.events.Stage;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.stage.StageRunner;
import dev.distill.pipeline.stage.StageStep;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The common half of a stage's Kafka consumer: a subclass declares its {@code @Incoming @Blocking} method
 * (the channel name must be a constant) and hands each record to {@link #handle}. An unreadable record is
 * rethrown from there, so the channel's dead-letter strategy takes it.
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
    private final String inputTopic;
    private final Class<I> inputType;
    private StageRunner runner;

    protected StageConsumer(Stage stage, String inputTopic, Class<I> inputType) {
        this.stage = stage;
        this.inputTopic = inputTopic;
        this.inputType = inputType;
    }

    /** The stage's work. */
    protected abstract StageStep<I> step();

    @PostConstruct
    void createRunner() {
        runner = infrastructure.runner(stage, publisher, clock);
    }

    protected void handle(ConsumerRecord<String, String> record) {
        runner.runRecord(inputTopic, record.key(), record.value(), inputType, step());
    }
}
