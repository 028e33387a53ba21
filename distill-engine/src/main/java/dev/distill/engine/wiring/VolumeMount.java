package dev.distill.engine.wiring;

/** Where a container sees one of the pod's volumes. */
public record VolumeMount(String volume, String path, boolean readOnly) {

    public VolumeMount {
        DnsLabels.require("a mounted volume's name", volume);
        if (path == null || !path.startsWith("/") || path.equals("/")) {
            throw new IllegalArgumentException("volume " + volume + " needs an absolute mount path other than /, got '"
                    + path + "'");
        }
    }
}
