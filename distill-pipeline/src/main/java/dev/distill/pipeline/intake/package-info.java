/**
 * Intake of migrations: reads registry push notifications (CNCF distribution and Harbor formats), decides
 * which pushes start a migration (repository filter, and never Distill's own pushes, so no notification
 * loop can form), and admits the requests. Plain Java, called by the REST layer.
 */
package dev.distill.pipeline.intake;
