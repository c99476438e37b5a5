/// The program that starts a step's container.
public enum ContainerRuntime: String, Sendable, Hashable, CaseIterable, Codable {
    case apptainer
    case podman
    case docker
}

/// Which image a step runs in, always pinned to content: an image that can move under its name
/// (a tag) would let one key stand for two environments, so the loader refuses it.
public enum ContainerImage: Sendable, Hashable {
    /// An Apptainer/Singularity image file (absolute path); its content digest enters the key.
    case sif(path: String)
    /// A registry image pinned by its manifest digest: `docker://NAME@sha256:HEX` (or
    /// `NAME@sha256:HEX`). `reference` is what the runtime is given, without `docker://`.
    case registry(reference: String, digest: String)
    /// A local image id (`sha256:HEX`, 64 hex digits), as `podman images --no-trunc` or
    /// `podman import` print it: the digest of the image's configuration, which names its layers.
    case imageID(String)
}

/// `container: { image: …, runtime: …, options: […] }` on a step or for the whole file.
///
/// Only the image's digest enters a node's key (`container` key part). The runtime does not
/// (the same image gives the same result under podman or docker, as the executor does not), nor
/// do the options (mounts, security and resource settings of the runtime, like a Slurm profile's
/// `sbatch_args`): what changes results goes in `env:`, `params` or the image itself.
public struct ContainerSpec: Sendable, Hashable {
    public var image: ContainerImage
    public var runtime: ContainerRuntime
    /// Extra runtime arguments, each one word, placed before the image.
    public var options: [String]
    /// The image as written, for messages.
    public var written: String
    /// Where `container:` was written.
    public var location: SourceLocation

    public init(image: ContainerImage, runtime: ContainerRuntime, options: [String], written: String, location: SourceLocation) {
        self.image = image; self.runtime = runtime; self.options = options; self.written = written; self.location = location
    }

    /// The image file whose content must be digested for the key; nil for images named by a
    /// digest already.
    public var imageFile: String? {
        if case .sif(let path) = image { return path }
        return nil
    }

    /// The key part's value: what kind of digest, and the digest. `fileDigest` is the content
    /// digest of `imageFile` (required for a `.sif`).
    public func keyValue(fileDigest: Digest?) -> String? {
        switch image {
        case .sif: return fileDigest.map { "sif sha256:" + $0.hex }
        case .registry(_, let digest): return "manifest " + digest
        case .imageID(let id): return "image-id " + id
        }
    }
}
