package dev.distill.engine.sbom;

import java.io.ByteArrayInputStream;
import java.util.List;
import org.spdx.jacksonstore.MultiFormatStore;
import org.spdx.library.SpdxModelFactory;
import org.spdx.library.model.v2.SpdxConstantsCompatV2;
import org.spdx.library.model.v2.SpdxDocument;
import org.spdx.storage.simple.InMemSpdxStore;

/** Reads an SPDX JSON document with the SPDX project's own Java library, which verifies it against SPDX 2.3. */
public final class SpdxVerifier {

    private SpdxVerifier() {
    }

    /** The one document in these bytes; fails if they hold none or several. */
    public static SpdxDocument read(byte[] json) throws Exception {
        System.setProperty("SPDXParser.OnlyUseLocalLicenses", "true"); // the jar's licence list: tests stay offline
        SpdxModelFactory.init();
        MultiFormatStore store = new MultiFormatStore(new InMemSpdxStore(), MultiFormatStore.Format.JSON);
        store.deSerialize(new ByteArrayInputStream(json), false);
        List<?> docs = SpdxModelFactory.getSpdxObjects(store, null, SpdxConstantsCompatV2.CLASS_SPDX_DOCUMENT, null, null)
                .toList();
        if (docs.size() != 1) {
            throw new AssertionError("expected one SPDX document, found " + docs.size());
        }
        return (SpdxDocument) docs.get(0);
    }

    /** What the library finds wrong with the document (empty when it is valid SPDX 2.3). */
    public static List<String> problems(byte[] json) throws Exception {
        SpdxDocument doc = read(json);
        return doc.verify(doc.getSpecVersion());
    }
}
