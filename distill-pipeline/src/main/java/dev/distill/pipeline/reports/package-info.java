/**
 * Where stages keep their full reports (analysis, build, verification): documents in the registry as untagged OCI
 * artifacts, announced by {@code ReportStored} events and fetched by any service through their location.
 */
package dev.distill.pipeline.reports;
