/**
 * Software bills of materials of result images: {@link dev.distill.engine.sbom.ImageContents} (the packages an
 * image carries, in full or in part, its base's packages, the files from no package, the base and the source image
 * it descends from) written as CycloneDX 1.6 JSON ({@link dev.distill.engine.sbom.CycloneDxSbom}) and SPDX 2.3 JSON
 * ({@link dev.distill.engine.sbom.SpdxSbom}), the same input always giving the same bytes.
 */
package dev.distill.engine.sbom;
