package dev.distill.pipeline.stage;

import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.wiring.ComposeFile;
import dev.distill.engine.wiring.KubernetesManifests;
import dev.distill.engine.wiring.PodWiring;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wiring of a build: the pod of the built images (each running as its plan's run-as identity, which it was
 * built with, not as the source ran it), rendered as a Kubernetes Deployment and a compose file. The pod is named
 * after the source repository.
 */
public final class PodWiringGenerator implements BuildImagesStep.WiringGenerator {

    @Override
    public BuildReport.Wiring wire(MigrationPlan plan, List<ImageAssembler.ProgramImage> images) {
        Map<String, ImageReference> pushed = new LinkedHashMap<>();
        String podName = "distill";
        for (ImageAssembler.ProgramImage image : images) {
            ImageReference r = image.taggedReference();
            pushed.put(image.program(), new ImageReference(r.registry(), r.repository(), r.tag(), image.pushed().manifestDigest()));
            podName = r.repository().substring(r.repository().lastIndexOf('/') + 1);
        }
        PodWiring pod = PodWiring.fromPlan(podName, plan, pushed);
        return new BuildReport.Wiring(pod, KubernetesManifests.render(pod), ComposeFile.render(pod));
    }
}
