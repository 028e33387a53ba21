package dev.distill.engine.verify;

import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.ElfKind;
import dev.distill.engine.elf.ElfObjects;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.jvm.JvmHome;
import dev.distill.engine.loader.ElfDependencyResolver;
import dev.distill.engine.loader.ElfResolution;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every ELF file of the image resolves its interpreter and each DT_NEEDED library inside the image.
 *
 * <p>Programs (files with PT_INTERP) are resolved first; a library one of them loads was checked in that
 * program's context, where its loader also searches the program's RPATH chain, so it is not resolved again on
 * its own. Only libraries no program loads (plugins that are dlopened, or leftovers) are resolved alone, with
 * the system loader the resolver assumes for them; a library of a JVM home is resolved with the JVM already loaded,
 * as the JVM loads it ({@link JvmHome}).
 */
final class ElfCheck {

    /** Larger ELF files are parsed on demand instead of during the one pass over the layers. */
    static final long MAX_ELF_BYTES_IN_PASS = 256L << 20;

    private final ImageFiles files;
    private final ElfObjects objects;
    private final ElfDependencyResolver resolver;

    ElfCheck(ImageFiles files, Map<String, String> env) {
        this.files = files;
        this.objects = new ElfObjects(files.fs());
        // Strict: the real loader never reads ld.so.conf, so a result that needs it to find a library is broken.
        this.resolver = new ElfDependencyResolver(objects, env, false);
    }

    /** The resolver, for the entrypoint check to share the parsed files. */
    ElfDependencyResolver resolver() {
        return resolver;
    }

    StaticCheck run() {
        Map<String, CheckFinding> findings = new LinkedHashMap<>();
        List<FileEntry> regular = files.fs().entries().filter(FileEntry::isRegular).toList();
        try {
            objects.prefetch(regular, MAX_ELF_BYTES_IN_PASS);
        } catch (IOException | RuntimeException e) {
            // The one pass failed as a whole: each file is read on its own below and fails on its own.
        }
        List<String> programs = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (FileEntry file : regular) {
            ElfFile elf;
            try {
                if (!ElfFile.isElf(objects.header(file))) {
                    continue;
                }
                elf = objects.elf(file);
            } catch (IOException | RuntimeException e) {
                put(findings, files.finding(file.path(), file.path(), file.path() + " cannot be read as ELF: "
                        + message(e)));
                continue;
            }
            ElfKind kind = elf.kind();
            if (kind == ElfKind.RELOCATABLE || kind == ElfKind.CORE || kind == ElfKind.OTHER) {
                continue;  // object files and core dumps are never loaded
            }
            if (elf.interpreter().isPresent()) {
                programs.add(file.path());
            } else if (!elf.needed().isEmpty()) {
                others.add(file.path());
            }
        }
        Set<String> loaded = new HashSet<>();
        for (String program : programs) {
            ElfResolution r = resolver.resolve(program);
            r.libraries().forEach(l -> {
                if (l.realPath() != null) {
                    loaded.add(l.realPath());
                }
            });
            record(r, findings);
        }
        List<JvmHome> jvms = others.isEmpty() ? List.of() : JvmHome.find(files.fs());
        for (String other : others) {
            if (!loaded.contains(other)) {
                record(resolver.resolve(other, JvmHome.preloadedFor(jvms, other)), findings);
            }
        }
        return StaticCheck.of(StaticChecker.ELF_DEPENDENCIES, List.copyOf(findings.values()));
    }

    /** Findings for what one resolution left unresolved, each (object, name) once. */
    List<CheckFinding> findings(ElfResolution r) {
        Map<String, CheckFinding> out = new LinkedHashMap<>();
        record(r, out);
        return List.copyOf(out.values());
    }

    private void record(ElfResolution r, Map<String, CheckFinding> findings) {
        for (ElfResolution.Unresolved u : r.unresolved()) {
            String who = u.requestedBy() == null ? r.path() : u.requestedBy();
            String what = u.name().equals(r.interpreter()) && who.equals(r.path()) ? "its interpreter " : "";
            put(findings, files.finding(who, u.name(), who + " needs " + what + u.name() + ", which its loader cannot load: "
                    + u.reason()));
        }
    }

    private static void put(Map<String, CheckFinding> findings, CheckFinding f) {
        findings.putIfAbsent(f.path() + "\0" + f.subject(), f);
    }

    static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
