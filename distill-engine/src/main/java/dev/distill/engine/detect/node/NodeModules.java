package dev.distill.engine.detect.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packages a Node program can load, found statically: the literal specifiers of {@code require()},
 * {@code import ... from}, {@code export ... from} and {@code import()} in the code it runs, resolved as Node resolves
 * them (relative files with Node's extensions and {@code index} files, {@code node_modules} up the tree, then the
 * global folders). A package is reached as a whole, and all its code is scanned in turn.
 */
final class NodeModules {

    /** Node 18's and 20's built-in modules (their subpaths included); {@code node:} names are built in too. */
    static final Set<String> BUILTIN = Set.of("_http_agent", "_http_client", "_http_common", "_http_incoming",
            "_http_outgoing", "_http_server", "_stream_duplex", "_stream_passthrough", "_stream_readable",
            "_stream_transform", "_stream_wrap", "_stream_writable", "_tls_common", "_tls_wrap", "assert", "assert/strict",
            "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram",
            "diagnostics_channel", "dns", "dns/promises", "domain", "events", "fs", "fs/promises", "http", "http2", "https",
            "inspector", "module", "net", "os", "path", "path/posix", "path/win32", "perf_hooks", "process", "punycode",
            "querystring", "readline", "readline/promises", "repl", "stream", "stream/consumers", "stream/promises",
            "stream/web", "string_decoder", "sys", "timers", "timers/promises", "tls", "trace_events", "tty", "url", "util",
            "util/types", "v8", "vm", "wasi", "worker_threads", "zlib", "test");
    private static final Pattern SPECIFIER = Pattern.compile(
            "(?:\\brequire\\s*\\(\\s*|\\bimport\\s*\\(\\s*|\\bfrom\\s+|\\bimport\\s+)(['\"])([^'\"\\n]{1,300})\\1");
    private static final List<String> EXTENSIONS = List.of("", ".js", ".json", ".node", ".cjs", ".mjs");
    private static final Set<String> CODE = Set.of(".js", ".cjs", ".mjs");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 4096;
    private static final int MAX_PACKAGES = 10_000;

    private final DetectionContext ctx;
    private final List<String> globalFolders;
    private final Set<String> appFiles = new LinkedHashSet<>();
    private final Map<String, String> packages = new LinkedHashMap<>();
    private final Set<String> scanned = new LinkedHashSet<>();
    private final Set<String> unresolved = new LinkedHashSet<>();

    /** @param globalFolders where a bare name is looked for after every {@code node_modules} up the tree */
    NodeModules(DetectionContext ctx, List<String> globalFolders) {
        this.ctx = ctx;
        this.globalFolders = List.copyOf(globalFolders);
    }

    /** The packages reached (their directories) with the file that first required each. */
    Map<String, String> packages() {
        return packages;
    }

    /** Application files reached by relative specifiers outside any package. */
    Set<String> appFiles() {
        return appFiles;
    }

    /** Bare specifiers no folder had: optional dependencies, or something missing. */
    Set<String> unresolved() {
        return unresolved;
    }

    /** Scans these files and everything they reach. */
    void scan(List<String> files) {
        Deque<String> queue = new ArrayDeque<>(files);
        while (!queue.isEmpty() && packages.size() < MAX_PACKAGES) {
            List<String> batch = new ArrayList<>();
            while (!queue.isEmpty() && batch.size() < BATCH) {
                String f = queue.poll();
                if (scanned.add(f)) {
                    batch.add(f);
                }
            }
            Map<String, String> texts = ctx.readTexts(batch, DetectionContext.TEXT_LIMIT);
            for (String file : batch) {
                String text = texts.get(file);
                if (text == null || !isCode(file)) {
                    continue;
                }
                Matcher m = SPECIFIER.matcher(text);
                while (m.find()) {
                    resolve(m.group(2), file).forEach(queue::add);
                }
            }
        }
    }

    /** What a preloaded module ({@code -r x}) or the specifiers of inline code ({@code -e}) add to scan. */
    List<String> resolveAll(String code, String from) {
        List<String> out = new ArrayList<>();
        Matcher m = SPECIFIER.matcher(code);
        while (m.find()) {
            out.addAll(resolve(m.group(2), from));
        }
        return out;
    }

    List<String> resolvePreload(String spec, String from) {
        return resolve(spec, from);
    }

    /** What a specifier adds to scan: the file it names, or every code file of the package it names. */
    private List<String> resolve(String spec, String from) {
        if (spec.startsWith("node:") || BUILTIN.contains(spec)) {
            return List.of();
        }
        if (spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/") || spec.equals(".") || spec.equals("..")) {
            String base = spec.startsWith("/") ? Paths.normalize(spec) : Paths.join(Paths.parent(from), spec);
            Optional<String> file = file(base);
            if (file.isPresent()) {
                if (packageOf(file.get()) == null) {
                    appFiles.add(file.get());
                }
                return List.of(file.get());
            }
            return List.of();
        }
        String name = packageName(spec);
        if (name == null) {
            return List.of();
        }
        for (String dir = Paths.parent(from); ; dir = Paths.parent(dir)) {
            if (!Paths.name(dir).equals("node_modules")) {
                String candidate = Paths.join(dir, "node_modules/" + name);
                if (ctx.isDirectory(candidate)) {
                    return reach(candidate, from);
                }
            }
            if (dir.equals("/")) {
                break;
            }
        }
        for (String global : globalFolders) {
            String candidate = Paths.join(global, name);
            if (ctx.isDirectory(candidate)) {
                return reach(candidate, from);
            }
            Optional<String> file = file(candidate);
            if (file.isPresent()) {
                return List.of(file.get());
            }
        }
        unresolved.add(spec);
        return List.of();
    }

    /** A package directory reached: all its code is scanned (code inside a package may load its siblings by name). */
    List<String> reach(String dir, String from) {
        String real = ctx.resolve(dir).map(FileEntry::path).orElse(dir);
        if (packages.containsKey(dir)) {
            return List.of();
        }
        packages.put(dir, from);
        String prefix = real + "/";
        return ctx.fs().entries().filter(e -> e.isRegular() && e.path().startsWith(prefix) && isCode(e.path()))
                .map(FileEntry::path).sorted().toList();
    }

    /** The file a path names as Node loads it: itself with an extension, or a directory's main or index. */
    Optional<String> file(String base) {
        for (String ext : EXTENSIONS) {
            String p = base + ext;
            if (ctx.resolve(p).map(FileEntry::isRegular).orElse(false)) {
                return Optional.of(p);
            }
        }
        if (ctx.isDirectory(base)) {
            String main = main(base);
            if (main != null) {
                Optional<String> m = file(Paths.join(base, main));
                if (m.isPresent()) {
                    return m;
                }
            }
            for (String index : List.of("index.js", "index.json", "index.node", "index.cjs", "index.mjs")) {
                String p = Paths.join(base, index);
                if (ctx.resolve(p).map(FileEntry::isRegular).orElse(false)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** A package's {@code main} (or the {@code "."} of its {@code exports}), null when it names none. */
    String main(String dir) {
        String pj = Paths.join(dir, "package.json");
        String text = ctx.readTexts(List.of(pj), DetectionContext.TEXT_LIMIT).get(pj);
        if (text == null) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(text);
            JsonNode exports = json.path("exports");
            JsonNode dot = exports.isObject() && exports.has(".") ? exports.get(".") : exports;
            String fromExports = condition(dot);
            if (fromExports != null) {
                return fromExports;
            }
            return json.path("main").isTextual() ? json.get("main").asText() : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String condition(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject()) {
            for (String c : List.of("node", "require", "default", "import")) {
                String v = condition(node.path(c));
                if (v != null) {
                    return v;
                }
            }
        }
        return null;
    }

    /** The package directory a file belongs to (nearest {@code node_modules/<name>} above it), or null. */
    static String packageOf(String file) {
        int at = file.lastIndexOf("/node_modules/");
        if (at < 0) {
            return null;
        }
        String rest = file.substring(at + "/node_modules/".length());
        String[] parts = rest.split("/");
        if (parts.length < 2) {
            return null;
        }
        String name = parts[0].startsWith("@") && parts.length > 2 ? parts[0] + "/" + parts[1] : parts[0];
        return file.substring(0, at) + "/node_modules/" + name;
    }

    /** {@code lodash} of {@code lodash/fp}, {@code @scope/pkg} of {@code @scope/pkg/x}; null for nonsense. */
    static String packageName(String spec) {
        String[] parts = spec.split("/");
        if (spec.startsWith("@")) {
            return parts.length >= 2 ? parts[0] + "/" + parts[1] : null;
        }
        return parts[0].isEmpty() ? null : parts[0];
    }

    static boolean isCode(String path) {
        int dot = path.lastIndexOf('.');
        return dot > path.lastIndexOf('/') && CODE.contains(path.substring(dot));
    }
}
