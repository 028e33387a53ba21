package dev.distill.engine.detect.python;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What one file of Python code imports, and whether importing the file runs the import. */
class PythonImportsTest {

    @Test
    void statementsAreReadWithTheirFormsAndWhetherTheyRunWhenTheModuleLoads() {
        Map<String, Boolean> imports = PythonImports.imports("""
                import os, sys as system
                from json import (
                    dumps,  # a comment
                    loads)
                from . import sibling
                from ..core import helpers
                import xml.etree.ElementTree as ET
                try:
                    import ssl
                except ImportError:
                    import fallback_ssl
                class Thing:
                    import inside_class
                def lazy():
                    import pydoc
                    mod = importlib.import_module("dynamic.name")
                if __name__ == "__main__":
                    import doctest
                import after_all
                """, "pkg.sub");
        assertThat(imports).containsEntry("os", true).containsEntry("sys", true).containsEntry("json", true)
                .containsEntry("json.dumps", true).containsEntry("json.loads", true)
                .containsEntry("pkg.sub", true).containsEntry("pkg.sub.sibling", true)
                .containsEntry("pkg.core", true).containsEntry("pkg.core.helpers", true)
                .containsEntry("xml.etree.ElementTree", true)
                .containsEntry("ssl", true).containsEntry("fallback_ssl", false)
                .containsEntry("inside_class", true)
                .containsEntry("pydoc", false).containsEntry("dynamic.name", false).containsEntry("doctest", false)
                .containsEntry("after_all", true);
    }
}
