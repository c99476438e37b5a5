import Foundation
import XGraphCore
import Yams

/// `container:` for the whole file or one step: the image a step's command runs in, pinned to
/// content, since its digest enters the key (docs/containers.md).
extension SpecBuilder {
    static let containerKeys = ["image", "runtime", "options"]

    /// What a step's `container:` says: its own container, or `none` to run on the host even
    /// when the file gives every step one.
    enum StepContainer {
        case image(ContainerSpec)
        case none
    }

    func stepContainer(_ node: Yams.Node, r: YAMLReader) throws -> StepContainer {
        if case .scalar(let s) = node, s.string == "none" { return .none }
        return .image(try container(node, r: r))
    }

    func container(_ node: Yams.Node, r: YAMLReader) throws -> ContainerSpec {
        guard case .mapping = node else {
            throw r.fail(node, "'container' must be a mapping such as { image: train.sif } or "
                + "{ image: \"docker://nvcr.io/nvidia/pytorch@sha256:…\", runtime: podman } (or 'none' on a step), "
                + "found \(r.describe(node))")
        }
        let keys = try r.mapping(node, "'container'", validKeys: SpecBuilder.containerKeys)
        guard let imageEntry = keys["image"] else {
            throw r.fail(node, "'container' needs 'image:': a .sif file, docker://NAME@sha256:DIGEST, or a local image id sha256:ID")
        }
        let written = try r.string(imageEntry.value, "image")
        let image = try containerImage(written, at: imageEntry.value, r: r)

        var runtime: ContainerRuntime
        if let rt = keys["runtime"] {
            let text = try r.string(rt.value, "runtime")
            let valid = ContainerRuntime.allCases.map(\.rawValue)
            guard let parsed = ContainerRuntime(rawValue: text) else {
                throw r.fail(rt.value, "unknown container runtime '\(text)'" + NameSuggestions.didYouMean(text, in: valid)
                    + " valid: " + valid.joined(separator: ", "))
            }
            runtime = parsed
        } else {
            // A .sif is Apptainer's own format; anything else is an OCI image.
            if case .sif = image { runtime = .apptainer } else { runtime = .podman }
        }
        switch (image, runtime) {
        case (.sif, .podman), (.sif, .docker):
            throw r.fail(imageEntry.value, "\(runtime.rawValue) cannot run a .sif image; use runtime: apptainer, "
                + "or an OCI image (docker://NAME@sha256:…)")
        case (.imageID, .apptainer):
            throw r.fail(imageEntry.value, "apptainer cannot run a podman or docker image id; give it a .sif file "
                + "or docker://NAME@sha256:…")
        default: break
        }

        var options: [String] = []
        if let o = keys["options"], !r.isNull(o.value) {
            for item in try r.sequenceOrScalar(o.value, "options") {
                let word = try r.string(item, "options")
                guard !word.isEmpty, !word.contains(where: { $0.isNewline || $0 == "\0" }) else {
                    throw r.fail(item, "each container option is one argument of the runtime, such as --network=none; "
                        + "found an empty one or one with a line break")
                }
                options.append(word)
            }
        }
        return ContainerSpec(image: image, runtime: runtime, options: options, written: written, location: r.location(node))
    }

    /// Reads an image reference; refuses one that names a tag rather than content.
    private func containerImage(_ text: String, at node: Yams.Node, r: YAMLReader) throws -> ContainerImage {
        let hex = Set("0123456789abcdef")
        func isDigest(_ s: Substring) -> Bool {
            s.hasPrefix("sha256:") && s.dropFirst(7).count == 64 && s.dropFirst(7).allSatisfy { hex.contains($0) }
        }
        if text.hasSuffix(".sif") && !text.hasPrefix("docker://") {
            let dir = (r.file as NSString).deletingLastPathComponent
            let abs = SpecLoader.absolutePath(text, relativeTo: dir)
            var st = stat()
            guard stat(abs, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
                throw r.fail(node, "container image '\(text)' is not a file (looked for \(abs)); "
                    + "build it with apptainer build, or give docker://NAME@sha256:…")
            }
            return .sif(path: abs)
        }
        let bare = text.hasPrefix("docker://") ? Substring(text.dropFirst(9)) : Substring(text)
        if let at = bare.range(of: "@") {
            let name = bare[..<at.lowerBound], digest = bare[at.upperBound...]
            guard !name.isEmpty, isDigest(digest) else {
                throw r.fail(node, "container image '\(text)': a digest is sha256: and 64 lowercase hex digits, "
                    + "as in docker://busybox@sha256:\(String(repeating: "0", count: 8))…")
            }
            return .registry(reference: String(bare), digest: String(digest))
        }
        if !text.hasPrefix("docker://") {
            if isDigest(Substring(text)) { return .imageID(text) }
            if text.count == 64, text.allSatisfy({ hex.contains($0) }) { return .imageID("sha256:" + text) }
            let digits = text.hasPrefix("sha256:") ? text.dropFirst(7) : Substring(text)
            if !digits.isEmpty, digits.count < 64, digits.allSatisfy({ hex.contains($0) }) {
                throw r.fail(node, "container image '\(text)' is a short image id, which another image may share; "
                    + "give all 64 hex digits (podman images --no-trunc, or podman image inspect --format '{{.Id}}' \(text))")
            }
        }
        throw r.fail(node, "container image '\(text)' names a tag, which can move to other content; its digest must "
            + "enter the key, so pin it: docker://NAME@sha256:DIGEST (skopeo inspect docker://\(bare) or "
            + "podman image inspect --format '{{.Digest}}' \(bare) prints it), or a local image id "
            + "(podman image inspect --format '{{.Id}}' \(bare)), or a .sif file")
    }
}
