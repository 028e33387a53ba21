/**
 * Builds Distill's own distroless base images (static, base, cc; root and nonroot) from Debian 12 packages the
 * way distroless does: each package's files unpacked into a layer without running its maintainer scripts, plus
 * the accounts, os-release, CA bundle and dpkg status files distroless adds; deterministic, so a rebuild pushes
 * the same digests.
 */
package dev.distill.engine.distroless;
