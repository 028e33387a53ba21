package dev.distill.engine.wiring;

import static dev.distill.engine.wiring.TestPlans.ROOT;
import static dev.distill.engine.wiring.TestPlans.WWW_DATA;
import static dev.distill.engine.wiring.TestPlans.place;
import static dev.distill.engine.wiring.TestPlans.program;
import static dev.distill.engine.wiring.TestPlans.wire;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.ProgramPlan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodWiringTest {

    private static final List<String> CMD = List.of("/app/server");

    private static ProgramPlan simple(String name, String user, List<String> ports, List<Account> accounts) {
        return program(name, CMD, user, ports, accounts, List.of());
    }

    @Test
    void phpFpmAndNginxShareTheSocketDirectoryAndTheNetwork() {
        PodWiring w = wire(TestPlans.phpFpmAndNginx());

        assertThat(w.name()).isEqualTo("demo-app");
        assertThat(w.containers()).extracting(ContainerWiring::name).containsExactly("php-fpm", "nginx");
        Volume socketDir = w.volume("run-php");
        assertThat(socketDir.scope()).isEqualTo(VolumeScope.POD);
        assertThat(socketDir.medium()).isEqualTo(Medium.MEMORY);
        assertThat(socketDir.octalMode()).isEqualTo("0755");
        for (ContainerWiring c : w.containers()) {
            assertThat(c.mounts()).contains(new VolumeMount("run-php", "/run/php", false));
            assertThat(c.user().isRoot()).isTrue();
            assertThat(c.stopSignal()).isEqualTo("SIGQUIT");
            // Root that hands its workers to www-data: what that takes, and nothing else (8080 is not low).
            assertThat(c.addedCapabilities()).containsExactly("CHOWN", "KILL", "SETGID", "SETUID");
        }
        assertThat(w.container("php-fpm").image().pinned())
                .isEqualTo("127.0.0.1:5000/demo/app@sha256:" + String.format("%064x", 1));
        assertThat(w.container("php-fpm").image().tagged()).isEqualTo("127.0.0.1:5000/demo/app:1-distroless-php-fpm");
        assertThat(w.container("nginx").command()).containsExactly("/usr/sbin/nginx", "-g", "daemon off;");
    }

    @Test
    void everyWritablePlaceGetsItsOwnVolumeMountedParentsFirst() {
        PodWiring w = wire(TestPlans.phpFpmAndNginx());

        assertThat(w.container("nginx").mounts()).extracting(VolumeMount::path)
                .containsExactly("/run", "/run/php", "/tmp", "/tmp/nginx-body");
        Volume body = w.volume("nginx-tmp-nginx-body");
        assertThat(body.scope()).isEqualTo(VolumeScope.CONTAINER);
        assertThat(body.uid()).isEqualTo(33);
        assertThat(w.volume("nginx-tmp").octalMode()).isEqualTo("1777");
        assertThat(w.volume("php-fpm-tmp").medium()).isEqualTo(Medium.MEMORY);
        assertThat(w.volumes()).extracting(Volume::name).doesNotHaveDuplicates()
                .containsExactly("run-php", "php-fpm-tmp", "nginx-run", "nginx-tmp", "nginx-tmp-nginx-body");
    }

    @Test
    void aPortBothProgramsExposeIsDeclaredOnceWithANote() {
        PodWiring w = wire(TestPlans.phpFpmAndNginx());

        assertThat(w.container("php-fpm").ports()).containsExactly(new ContainerPort(8080, Protocol.TCP));
        assertThat(w.container("nginx").ports()).isEmpty();
        assertThat(w.notes()).singleElement().satisfies(n -> {
            assertThat(n.subject()).isEqualTo("8080/tcp");
            assertThat(n.reason()).contains("php-fpm and nginx", "one network namespace", "Declared on php-fpm");
        });
    }

    @Test
    void aRootProgramGetsNetBindServiceForItsOwnLowPortEvenWhenAnEarlierContainerDeclaresIt() {
        ProgramPlan first = simple("sidecar", "www-data", List.of("80/tcp"), List.of(WWW_DATA));
        ProgramPlan web = simple("web", "root", List.of("80", "80/tcp", "443/tcp"), List.of(ROOT));
        PodWiring w = wire(TestPlans.of(first, web));

        assertThat(w.container("web").addedCapabilities()).containsExactly("NET_BIND_SERVICE");
        assertThat(w.container("web").ports()).containsExactly(new ContainerPort(443, Protocol.TCP));
        // The non-root sidecar cannot use a bounding-set capability: the pod's network namespace lets it bind instead.
        assertThat(w.container("sidecar").addedCapabilities()).isEmpty();
        assertThat(w.sysctls()).containsExactly(Sysctl.UNPRIVILEGED_LOW_PORTS);
    }

    @Test
    void aRootProgramWithoutAnotherAccountGetsNetBindServiceOnlyForALowPort() {
        PodWiring w = wire(TestPlans.of(simple("app", "", List.of("8080/tcp", "53/udp"), List.of())));

        assertThat(w.container("app").user()).isEqualTo(Identity.of(0, 0));
        assertThat(w.container("app").addedCapabilities()).containsExactly("NET_BIND_SERVICE");
        assertThat(w.container("app").ports()).containsExactly(new ContainerPort(53, Protocol.UDP),
                new ContainerPort(8080, Protocol.TCP));
        assertThat(w.sysctls()).isEmpty();
        PodWiring high = wire(TestPlans.of(simple("app", "0", List.of("8080/tcp"), List.of(ROOT))));
        assertThat(high.container("app").addedCapabilities()).isEmpty();
    }

    @Test
    void everyContainerRunsAsItsPlansIdentitySupplementaryGroupsIncluded() throws Exception {
        Identity app = new Identity(1000, 50, List.of(29, 44), "app", "/home/app");
        ProgramPlan plan = TestPlans.program("app", CMD, "app", List.of(), List.of(new Account("app", 1000, "staff", 50,
                "/home/app")), List.of(), app);
        PodWiring w = wire(TestPlans.of(plan));

        assertThat(w.container("app").user()).isEqualTo(app);
        assertThat(w.container("app").addedCapabilities()).isEmpty();
        JsonNode compose = YamlDocs.read(ComposeFile.render(w)).get(0).at("/services/app");
        assertThat(compose.path("user").asText()).isEqualTo("1000:50");
        assertThat(compose.path("group_add").toString()).isEqualTo("[\"29\",\"44\"]");
        JsonNode pod = YamlDocs.read(KubernetesManifests.render(w)).get(0).at("/spec/template/spec");
        assertThat(pod.at("/securityContext/supplementalGroups").toString()).isEqualTo("[29,44]");
        assertThat(pod.at("/containers/0/securityContext/runAsUser").asInt()).isEqualTo(1000);
        assertThat(pod.at("/containers/0/securityContext/runAsGroup").asInt()).isEqualTo(50);
    }

    @Test
    void aNonRootProgramWithNoPlaceStillGetsAWritableTmp() {
        PodWiring w = wire(TestPlans.of(simple("app", "www-data", List.of(), List.of(WWW_DATA))));

        assertThat(w.container("app").mounts()).containsExactly(new VolumeMount("app-tmp", "/tmp", false));
        assertThat(w.volume("app-tmp").octalMode()).isEqualTo("1777");
        assertThat(w.container("app").addedCapabilities()).isEmpty();
    }

    @Test
    void namesAreSanitisedDistinctAndStable() {
        String longName = "A".repeat(40) + "_" + "b".repeat(40);
        MigrationPlan plan = TestPlans.of(simple("PHP_FPM", "", List.of(), List.of()),
                simple("php-fpm", "", List.of(), List.of()), simple("...", "", List.of(), List.of()),
                simple(longName, "", List.of(), List.of()));
        PodWiring w = PodWiring.fromPlan("Demo/App:1", plan, TestPlans.imagesFor(plan));

        assertThat(w.name()).isEqualTo("demo-app-1");
        assertThat(w.containers()).extracting(ContainerWiring::program)
                .containsExactly("PHP_FPM", "php-fpm", "...", longName);
        List<String> names = w.containers().stream().map(ContainerWiring::name).toList();
        assertThat(names).doesNotHaveDuplicates().allSatisfy(n -> assertThat(DnsLabels.isLabel(n)).as(n).isTrue());
        assertThat(names.get(0)).isEqualTo("php-fpm");
        assertThat(names.get(1)).isEqualTo("php-fpm-419df54a");
        assertThat(names.get(2)).isEqualTo("program");
        assertThat(names.get(3)).hasSize(63).startsWith("aaaa");
        assertThat(w.volumes()).allSatisfy(v -> assertThat(DnsLabels.isLabel(v.name())).as(v.name()).isTrue());
        assertThat(PodWiring.fromPlan("Demo/App:1", plan, TestPlans.imagesFor(plan))).isEqualTo(w);
    }

    @Test
    void whatThePlanLeavesOpenIsNotedNotThrown() {
        ProgramPlan a = program("a", CMD, "root", List.of("http", "70000/tcp", "9000/quic"), List.of(ROOT),
                List.of(place("/run/sock", 0, 0, 0755, "b", "ghost"), place("/", 0, 0, 0755), place("/var/../x", 0, 0, 0755),
                        place("/run/../etc", 0, 0, 0755, "b")));
        // b names its socket directory twice, plainly and as shared: the shared reading wins.
        ProgramPlan b = program("b", CMD, "root", List.of(), List.of(ROOT),
                List.of(place("/run/sock/", 33, 33, 0770), place("//run/sock", 33, 33, 0770, "a")));
        PodWiring w = wire(TestPlans.of(a, b));

        assertThat(w.container("a").ports()).isEmpty();
        assertThat(w.notes()).extracting(WiringNote::subject)
                .contains("http", "70000/tcp", "9000/quic", "/", "/var/../x", "/run/sock");
        assertThat(w.notes()).anySatisfy(n -> assertThat(n.reason()).contains("'ghost'"));
        assertThat(w.notes()).filteredOn(n -> "/run/../etc".equals(n.subject())).hasSize(1);
        assertThat(w.volumes()).extracting(Volume::name).containsExactly("run-sock", "a-tmp", "b-tmp");
        assertThat(w.notes()).anySatisfy(n -> assertThat(n.reason()).contains("0:0 0755 against 33:33 0770"));
        // The first definition wins, and both programs mount it.
        assertThat(w.volume("run-sock").uid()).isZero();
        assertThat(w.container("b").mounts()).contains(new VolumeMount("run-sock", "/run/sock", false));
        assertThat(w.container("a").mounts()).extracting(VolumeMount::path).containsExactly("/run/sock", "/tmp");
    }

    @Test
    void aPlanThatCannotBeWiredIsRefusedWithTheReason() {
        MigrationPlan plan = TestPlans.phpFpmAndNginx();
        assertThatThrownBy(() -> PodWiring.fromPlan("app", plan, Map.of()))
                .hasMessageContaining("no pushed image for program 'php-fpm'");
        assertThatThrownBy(() -> PodWiring.fromPlan("app", plan,
                Map.of("php-fpm", ImageReference.parse("127.0.0.1:5000/demo/app:1"),
                        "nginx", ImageReference.parse("127.0.0.1:5000/demo/app:1"))))
                .hasMessageContaining("not pinned by digest");
        assertThatThrownBy(() -> PodWiring.fromPlan("app", TestPlans.of(), Map.of()))
                .hasMessageContaining("no program");
        ProgramPlan twin = simple("twin", "", List.of(), List.of());
        assertThatThrownBy(() -> wire(TestPlans.of(twin, twin))).hasMessageContaining("two programs 'twin'");
    }

    @Test
    void theModelRefusesWhatARuntimeWouldTrip() {
        PodWiring w = wire(TestPlans.phpFpmAndNginx());
        ContainerWiring fpm = w.container("php-fpm");
        ContainerWiring nginx = w.container("nginx");
        ContainerWiring nginxOnSamePort = new ContainerWiring(nginx.name(), nginx.program(), nginx.image(),
                nginx.command(), nginx.user(), nginx.workingDir(), nginx.env(), fpm.ports(), nginx.stopSignal(),
                nginx.mounts(), nginx.addedCapabilities());
        assertThatThrownBy(() -> new PodWiring(w.name(), List.of(fpm, nginxOnSamePort), w.volumes(), w.sysctls(), w.notes()))
                .hasMessageContaining("both declare port 8080/tcp");
        assertThatThrownBy(() -> new PodWiring(w.name(), w.containers(), w.volumes().subList(1, w.volumes().size()),
                w.sysctls(), w.notes())).hasMessageContaining("mounts volume run-php");
        assertThatThrownBy(() -> new PodWiring("Not_A_Label", w.containers(), w.volumes(), w.sysctls(), w.notes()))
                .hasMessageContaining("'Not_A_Label'");
        assertThatThrownBy(() -> new ContainerImage("127.0.0.1:5000/demo/app:1", null))
                .hasMessageContaining("pinned by digest");
        assertThatThrownBy(() -> new Volume("v", VolumeScope.POD, Medium.DISK, 0, 0, 010000, "x"))
                .hasMessageContaining("10000");
    }

    @Test
    void roundTripsThroughJsonWithAPlainMapper() throws Exception {
        PodWiring w = wire(TestPlans.phpFpmAndNginx());
        ObjectMapper json = new ObjectMapper();

        String text = json.writeValueAsString(w);
        assertThat(json.readValue(text, PodWiring.class)).isEqualTo(w);
        assertThat(json.readTree(text).path("containers").get(0).path("user").path("uid").asInt(-1)).isZero();
        assertThat(json.readTree(text).path("containers").get(0).has("executable")).isFalse();
        assertThat(json.readTree(text).path("volumes").get(0).path("scope").asText()).isEqualTo("POD");
    }
}
