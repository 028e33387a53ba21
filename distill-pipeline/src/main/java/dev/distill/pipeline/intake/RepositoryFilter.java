package dev.distill.pipeline.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which repositories a registry push may start a migration for, from include and exclude globs.
 *
 * <p>Globs match the repository path without registry host, e.g. {@code team-a/shop/api}. {@code *}
 * matches within one path segment; a {@code **} segment matches zero or more whole segments, so
 * {@code team-*}{@code /**} matches {@code team-a} and everything below it, and {@code **}{@code /api}
 * matches {@code api} in any namespace. No include pattern means every repository; an exclude match wins
 * over an include match.
 */
public final class RepositoryFilter {

    // Repository names are lowercase; an uppercase or otherwise foreign character in a pattern could never
    // match, so it is a configuration mistake worth failing on.
    private static final Pattern LITERAL = Pattern.compile("[a-z0-9._-]+");

    private final List<Glob> include;
    private final List<Glob> exclude;

    /**
     * @param include globs of repositories to accept; empty accepts every repository
     * @param exclude globs of repositories to refuse even when included
     * @throws IllegalArgumentException naming the pattern when one is malformed
     */
    public RepositoryFilter(List<String> include, List<String> exclude) {
        this.include = compile(include, "include");
        this.exclude = compile(exclude, "exclude");
    }

    /** A filter that accepts every repository. */
    public static RepositoryFilter acceptingAll() {
        return new RepositoryFilter(List.of(), List.of());
    }

    public boolean accepts(String repository) {
        return rejection(repository).isEmpty();
    }

    /**
     * Why the repository is refused, e.g. {@code repository 'legacy/app' matches exclude pattern 'legacy/**'}.
     *
     * @throws IllegalArgumentException when the repository is accepted: there is nothing to describe
     */
    public String describeRejection(String repository) {
        return rejection(repository).orElseThrow(() -> new IllegalArgumentException(
                "repository '" + repository + "' is accepted by " + this + "; there is no rejection to describe"));
    }

    private Optional<String> rejection(String repository) {
        if (repository == null) {
            throw new IllegalArgumentException("repository is null");
        }
        for (Glob glob : exclude) {
            if (glob.matches(repository)) {
                return Optional.of("repository '" + repository + "' matches exclude pattern '" + glob.text() + "'");
            }
        }
        if (include.isEmpty() || include.stream().anyMatch(glob -> glob.matches(repository))) {
            return Optional.empty();
        }
        return Optional.of("repository '" + repository + "' matches no include pattern " + texts(include));
    }

    @Override
    public String toString() {
        return "RepositoryFilter[include=" + texts(include) + ", exclude=" + texts(exclude) + "]";
    }

    private static List<String> texts(List<Glob> globs) {
        return globs.stream().map(Glob::text).toList();
    }

    private static List<Glob> compile(List<String> patterns, String kind) {
        if (patterns == null) {
            throw new IllegalArgumentException(kind + " patterns are null; pass an empty list for none");
        }
        List<Glob> globs = new ArrayList<>(patterns.size());
        for (String pattern : patterns) {
            globs.add(Glob.compile(pattern, kind));
        }
        return List.copyOf(globs);
    }

    private record Glob(String text, Pattern regex) {

        boolean matches(String repository) {
            return regex.matcher(repository).matches();
        }

        static Glob compile(String pattern, String kind) {
            if (pattern == null || pattern.isBlank()) {
                throw new IllegalArgumentException(kind + " pattern '" + pattern + "' is empty");
            }
            String text = pattern.trim();
            String[] segments = text.split("/", -1);
            StringBuilder regex = new StringBuilder();
            // A leading "**" segment swallows its own trailing slash, so the next segment must not add one.
            boolean needSlash = false;
            for (int i = 0; i < segments.length; i++) {
                String segment = segments[i];
                if (segment.isEmpty()) {
                    throw malformed(kind, pattern, "has an empty path segment");
                }
                if (segment.equals("**")) {
                    if (i > 0 && segments[i - 1].equals("**")) {
                        throw malformed(kind, pattern, "repeats '**'");
                    }
                    if (segments.length == 1) {
                        regex.append(".*");
                    } else if (i == 0) {
                        regex.append("(?:.*/)?");
                    } else {
                        regex.append("(?:/.*)?");
                    }
                    needSlash = i > 0;
                    continue;
                }
                if (segment.contains("**")) {
                    throw malformed(kind, pattern, "uses '**' inside a segment; '**' must be a whole segment");
                }
                if (needSlash) {
                    regex.append('/');
                }
                appendSegment(regex, segment, kind, pattern);
                needSlash = true;
            }
            return new Glob(text, Pattern.compile(regex.toString()));
        }

        private static void appendSegment(StringBuilder regex, String segment, String kind, String pattern) {
            for (String literal : segment.split("\\*", -1)) {
                if (!literal.isEmpty() && !LITERAL.matcher(literal).matches()) {
                    throw malformed(kind, pattern, "has characters other than lowercase letters, digits, '.', '_',"
                            + " '-', '/' and '*'");
                }
            }
            String[] literals = segment.split("\\*", -1);
            for (int i = 0; i < literals.length; i++) {
                if (i > 0) {
                    regex.append("[^/]*");
                }
                if (!literals[i].isEmpty()) {
                    regex.append(Pattern.quote(literals[i]));
                }
            }
        }

        private static IllegalArgumentException malformed(String kind, String pattern, String problem) {
            return new IllegalArgumentException(kind + " pattern '" + pattern + "' " + problem);
        }
    }
}
