/** REST resources: migration requests and status, and the registry push webhook. */
package dev.distill.analyzer.api;
