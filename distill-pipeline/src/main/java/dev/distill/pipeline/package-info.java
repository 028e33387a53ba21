/**
 * Framework-free pipeline logic shared by the services: intake, the status projection and the stage steps.
 * The Quarkus services only wire these to HTTP and Kafka channels.
 */
package dev.distill.pipeline;
