package dev.distill.engine.detect.nginx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class NginxDetectorTest {

    static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

    static final String NGINX_CONF = """
            # TrafeX-style main file
            worker_processes auto;
            error_log stderr warn;
            pid /run/nginx.pid;
            load_module "/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so";

            events {
                worker_connections 1024;
            }

            http {
                include mime.types;
                default_type application/octet-stream;
                access_log /dev/stdout main;
                client_body_temp_path /tmp/client_temp;
                fastcgi_temp_path /tmp/fastcgi_temp;
                proxy_temp_path /tmp/proxy_temp;
                include conf.d/*.conf;
            }
            """;

    static final String DEFAULT_CONF = """
            server {
                listen [::]:8080 default_server;
                listen 8080 default_server;
                server_name _;
                root /var/www/html;
                index index.php index.html;
                location ~ \\.php$ {
                    try_files $uri =404;
                    fastcgi_pass unix:/run/php-fpm.sock;
                    fastcgi_param SCRIPT_FILENAME "$document_root$fastcgi_script_name";
                    include fastcgi_params;
                }
                location ~ ^/(fpm-status|fpm-ping)$ { fastcgi_pass unix:/run/php-fpm.sock; }
            }
            """;

    static MemoryFileSystem.Builder image() {
        return MemoryFileSystem.builder()
                .file("/usr/sbin/nginx", ELF, 0755)
                .file("/etc/nginx/nginx.conf", NGINX_CONF)
                .file("/etc/nginx/mime.types", "types { text/html html; }\n")
                .file("/etc/nginx/fastcgi_params", "fastcgi_param QUERY_STRING $query_string;\n")
                .file("/etc/nginx/conf.d/default.conf", DEFAULT_CONF)
                .file("/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so", ELF, 0755)
                .directory("/var/www/html", 0755)
                .directory("/run", 0755);
    }

    static ImageConfig runs(String... cmd) {
        return new ImageConfig(List.of(), List.of(cmd), "nobody", List.of(), null, "", null, null, null);
    }

    @Test
    void readsIncludesModulesSocketsAndPorts() {
        Detection<NginxResult> d = new NginxDetector().detect(new DetectionContext(image().build(),
                runs("nginx", "-g", "daemon off;")));
        NginxResult r = d.result();
        assertThat(r.mainConfig()).isEqualTo("/etc/nginx/nginx.conf");
        assertThat(r.configFiles()).containsExactly("/etc/nginx/nginx.conf", "/etc/nginx/mime.types",
                "/etc/nginx/conf.d/default.conf", "/etc/nginx/fastcgi_params");
        assertThat(r.daemonOff()).isTrue();
        assertThat(r.pid().path()).isEqualTo("/run/nginx.pid");
        assertThat(r.modules()).extracting(NginxResult.Ref::path)
                .containsExactly("/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so");
        assertThat(r.errorLogs()).extracting(NginxResult.Ref::path).containsExactly("stderr");
        assertThat(r.accessLogs()).extracting(NginxResult.Ref::path).containsExactly("/dev/stdout");
        assertThat(r.accessLogs().get(0).isStream()).isTrue();
        assertThat(r.roots()).extracting(NginxResult.Ref::path).containsExactly("/var/www/html");
        assertThat(r.upstreamSockets()).extracting(NginxResult.Ref::path).containsExactly("/run/php-fpm.sock", "/run/php-fpm.sock");
        assertThat(r.listens()).extracting(NginxResult.Listen::port).containsExactly(8080, 8080);
        // the two the configuration leaves out are nginx's defaults under its prefix (this binary names none)
        assertThat(r.tempPaths()).extracting(NginxResult.Ref::path)
                .containsExactly("/tmp/client_temp", "/tmp/fastcgi_temp", "/tmp/proxy_temp", "/etc/nginx/scgi_temp",
                        "/etc/nginx/uwsgi_temp");

        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.kind()).isEqualTo(Finding.Kind.INFO);
            assertThat(f.path()).isEqualTo("/etc/nginx/nginx.conf");
            assertThat(f.layer()).isEqualTo("memory");
            assertThat(f.line()).isEqualTo(5);
            assertThat(f.reason()).contains("load_module makes nginx dlopen /usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so");
        });
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/etc/nginx/conf.d/default.conf");
            assertThat(f.line()).isEqualTo(9);
            assertThat(f.reason()).contains("fastcgi_pass talks to the unix socket /run/php-fpm.sock");
            assertThat(f.data()).containsEntry("socketDir", "/run");
        });
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.line()).isEqualTo(14);
            assertThat(f.reason()).contains("/dev/stdout");
        });
        assertThat(d.blocked()).isFalse();
    }

    @Test
    void missingModuleAndIncludeAreBlockersAndDaemonIsWarned() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/usr/sbin/nginx", ELF, 0755)
                .file("/srv/nginx.conf", "load_module modules/ngx_stream_module.so;\ninclude /etc/nginx/missing.conf;\n"
                        + "events {}\nhttp { server { listen 80; root html; } }\n")
                .build();
        Detection<NginxResult> d = new NginxDetector().detect(new DetectionContext(fs, runs("nginx", "-c", "/srv/nginx.conf")));
        assertThat(d.result().prefix()).isEqualTo("/srv");
        assertThat(d.result().modules()).extracting(NginxResult.Ref::path).containsExactly("/srv/modules/ngx_stream_module.so");
        assertThat(d.findings(Finding.Kind.BLOCKER)).hasSize(2).allSatisfy(f -> {
            assertThat(f.path()).isEqualTo("/srv/nginx.conf");
            assertThat(f.layer()).isEqualTo("memory");
        });
        assertThat(d.findings(Finding.Kind.BLOCKER)).anySatisfy(f -> {
            assertThat(f.line()).isEqualTo(1);
            assertThat(f.reason()).contains("load_module /srv/modules/ngx_stream_module.so does not exist");
        });
        assertThat(d.findings(Finding.Kind.BLOCKER)).anySatisfy(f -> {
            assertThat(f.line()).isEqualTo(2);
            assertThat(f.reason()).contains("include /etc/nginx/missing.conf");
        });
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> assertThat(f.reason()).contains("daemon off"));
        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> {
            assertThat(f.line()).isEqualTo(4);
            assertThat(f.reason()).contains("port 80 is privileged");
        });
    }

    @Test
    void syntaxErrorIsAnErrorFinding() {
        MemoryFileSystem fs = MemoryFileSystem.builder().file("/etc/nginx/nginx.conf", "http {\n  server { listen 80 }\n").build();
        Detection<NginxResult> d = new NginxDetector().detect(new DetectionContext(fs, ImageConfig.EMPTY));
        assertThat(d.findings(Finding.Kind.ERROR)).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/etc/nginx/nginx.conf");
            assertThat(f.layer()).isEqualTo("memory");
            assertThat(f.reason()).contains("line 2");
        });
    }

    @Test
    void tokenizerHandlesQuotesCommentsAndVariables() {
        List<NginxConf.Directive> ds = NginxConf.parse("log_format main '$remote_addr \"$request\"' # c\n  \"x;y\";\n"
                + "set $a ${b}c;\n", "/f");
        assertThat(ds).hasSize(2);
        assertThat(ds.get(0).args()).containsExactly("main", "$remote_addr \"$request\"", "x;y");
        assertThat(ds.get(1).args()).containsExactly("$a", "${b}c");
        assertThat(ds.get(1).line()).isEqualTo(3);
    }

    @Test
    void alpineModuleSnippetsResolveAgainstVarLibNginx() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/usr/sbin/nginx", ELF, 0755)
                .file("/etc/nginx/nginx.conf", "include /etc/nginx/modules/*.conf;\nevents {}\n")
                .file("/etc/nginx/modules/10_http_brotli.conf", "load_module \"modules/ngx_http_brotli_filter_module.so\";\n")
                .symlink("/var/lib/nginx/modules", "/usr/lib/nginx/modules")
                .file("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so", ELF, 0755)
                .build();
        Detection<NginxResult> d = new NginxDetector().detect(new DetectionContext(fs, runs("nginx", "-g", "daemon off;")));
        assertThat(d.result().prefix()).isEqualTo("/var/lib/nginx");
        assertThat(d.result().prefixGuessed()).isTrue();
        assertThat(d.result().modules()).singleElement().satisfies(m -> {
            assertThat(m.path()).isEqualTo("/var/lib/nginx/modules/ngx_http_brotli_filter_module.so");
            assertThat(m.file()).isEqualTo("/etc/nginx/modules/10_http_brotli.conf");
        });
        assertThat(d.blocked()).isFalse();
    }

    @Test
    void theTempPathsCompiledIntoTheBinaryAreReadFromItsConfigureArguments() {
        byte[] binary = ("\0ELF...\0nginx version\0configure arguments: --prefix=/usr/share/nginx"
                + " --http-client-body-temp-path=/var/lib/nginx/body --http-proxy-temp-path=/var/lib/nginx/proxy"
                + " --with-threads\0--http-scgi-temp-path=/elsewhere\0").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(NginxDetector.configuredTempPaths(binary)).containsExactly(
                java.util.Map.entry("client_body_temp_path", "/var/lib/nginx/body"),
                java.util.Map.entry("proxy_temp_path", "/var/lib/nginx/proxy"));
        assertThat(NginxDetector.configuredTempPaths("no nginx here".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
                .isEmpty();
    }
}
