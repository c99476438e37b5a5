import Foundation
import XGraphCore

/// What a transfer starts from: a pretrained checkpoint, or untrained weights of a declared
/// capacity (the random-backbone and from-scratch baselines).
struct Backbone {
    var model: Network
    /// The classes pretraining saw; nil for a random backbone.
    var pretrainedOn: Vocabulary?

    static func load(_ context: BuiltinContext, _ params: BuiltinParams, mode: TransferStep.Mode, inputSize: Int) throws -> Backbone {
        // A forgotten checkpoint input must not quietly turn a transfer into a baseline, so
        // random weights are asked for by name.
        let random = try params.choice("backbone", allowed: ["pretrained", "random"], default: "pretrained") == "random"
        let hasCheckpoint = context.inputs["checkpoint"] != nil
        if mode == .scratch && !random {
            throw params.error("backbone", "must be `random` for mode `scratch`, which trains every layer from random weights (and takes no `checkpoint` input)")
        }
        if random {
            guard !hasCheckpoint else {
                throw params.error("backbone", "is `random`, but the step also gives a `checkpoint` input; remove one of them")
            }
            let capacity = try Network.parse(params)
            let seed = try params.seed()
            if case .cnn = capacity, Network.squareSide(inputSize) == nil {
                throw XGraphError.io("images of \(inputSize) pixels are not square, which `model: cnn` needs")
            }
            // The classes only size a head that every transfer replaces.
            let model = Network.random(capacity: capacity, inputSize: inputSize, classes: FashionMNIST.classes, seed: seed)
            return Backbone(model: model, pretrainedOn: nil)
        }
        let checkpoint = try context.checkpoint(builtin: "transfer")
        return Backbone(model: checkpoint.model, pretrainedOn: checkpoint.vocabulary)
    }

    /// For the log: where the backbone comes from, and which downstream classes pretraining saw.
    func origin(downstream: Vocabulary) -> String {
        guard let upstream = pretrainedOn else { return "random (untrained) backbone" }
        let shared = downstream.classes.filter { upstream.classes.contains($0) }
        let overlap = shared.isEmpty ? "none of them" : "classes \(shared.map(String.init).joined(separator: ","))"
        return "backbone pretrained on classes \(upstream.classList) (\(overlap) downstream)"
    }
}
