package dev.distill.engine.wiring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Writes the renderers' trees (LinkedHashMaps, so key order is the order the renderer builds them) as YAML
 * that every YAML 1.1 or 1.2 reader reads back as the same strings.
 */
final class Yaml {

    private static final ObjectWriter WRITER = YAMLMapper.builder(YAMLFactory.builder()
                    .stringQuotingChecker(new StrictQuoting())
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .disable(YAMLGenerator.Feature.SPLIT_LINES)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                    .build())
            .build().writer();

    private Yaml() {
    }

    /** Comment lines, then the documents separated by {@code ---}. */
    static String write(List<String> comments, List<Object> documents) {
        StringBuilder out = new StringBuilder();
        for (String c : comments) {
            out.append(c.isEmpty() ? "#" : "# " + c.replace("\n", " ")).append('\n');
        }
        for (Object doc : documents) {
            out.append("---\n");
            try {
                out.append(WRITER.writeValueAsString(doc));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out.toString();
    }

    /**
     * Jackson's checker, plus quotes for anything some YAML 1.1 or 1.2 reader could take for a number although
     * Jackson leaves it plain: sexagesimal {@code 33:33} (a compose {@code user}), {@code 1e3}, {@code .inf};
     * simply every value that starts like a number. And the empty string.
     */
    static final class StrictQuoting extends StringQuotingChecker.Default {
        private static final long serialVersionUID = 1L;
        private static final Pattern NUMBER_LIKE = Pattern.compile("[-+]?(\\.?[0-9].*|\\.(?i:inf|nan))", Pattern.DOTALL);

        @Override
        public boolean needToQuoteValue(String value) {
            return value.isEmpty() || NUMBER_LIKE.matcher(value).matches() || super.needToQuoteValue(value);
        }
    }
}
