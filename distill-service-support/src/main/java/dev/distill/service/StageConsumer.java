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

    private StageRunner runner;

    protected abstract Stage stage();

    protected abstract String inputTopic();

    protected abstract Class<I> inputType();

    protected abstract StageStep<I> step();

    protected Clock clock() {
        return clock;
    }

    @PostConstruct
    void createRunner() {
        runner = infrastructure.runner(stage(), publisher, clock);
    }

    protected void handle(ConsumerRecord<String, String> record) {
        runner.runRecord(inputTopic(), record.key(), record.value(), inputType(), step());
    }
}
