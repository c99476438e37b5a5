import XGraphCore

/// Runs k-shot episodes on a frozen backbone: its features of the transfer-train and
/// transfer-eval images are computed once, then each episode trains a new head on its support.
struct FewShotTransfer {
    var backbone: Network
    var vocabulary: Vocabulary
    var config: TrainingConfig

    func run(train: LabelledRows, eval: LabelledRows, shots: Int, episodes: Int, log: (String) -> Void) throws -> [String: JSONValue] {
        let trainFeatures = backbone.features(of: train)
        let evalFeatures = LabelledRows(pixels: backbone.features(of: eval), dimension: backbone.featureSize, labels: eval.labels)
        let d = backbone.featureSize
        var accuracies: [Double] = []
        var losses: [Double] = []
        for episode in 0..<episodes {
            guard let support = FewShot.support(labels: train.labels, classes: vocabulary.count, shots: shots,
                                                seed: config.seed, episode: episode) else {
                throw XGraphError.spec(nil, "builtin:transfer: parameter `shots` is \(shots), more than the transfer-train images of some class (\(train.count) images over \(vocabulary.count) labels)")
            }
            var episodeConfig = config
            episodeConfig.seed = Seeds.mix(config.seed, UInt64(episode))
            let start = backbone.withNewHead(classes: vocabulary.count, seed: episodeConfig.seed)
            var head = MLP(layers: [start.head])
            var pixels: [Float] = []
            pixels.reserveCapacity(support.count * d)
            for i in support { pixels += trainFeatures[(i * d)..<((i + 1) * d)] }
            _ = Trainer.train(&head, on: LabelledRows(pixels: pixels, dimension: d, labels: support.map { train.labels[$0] }),
                              config: episodeConfig)
            let result = head.evaluate(evalFeatures)
            accuracies.append(result.accuracy)
            losses.append(result.loss)
        }
        let a = FewShot.summary(accuracies)
        log("transfer: \(shots)-shot over \(episodes) episodes: accuracy \(formatMetric(a.mean)) ± \(formatMetric(a.sd)) (SD), range \(formatMetric(a.min))–\(formatMetric(a.max))")
        return [
            "accuracy": .double(a.mean),
            "accuracy_sd": .double(a.sd),
            "accuracy_min": .double(a.min),
            "accuracy_max": .double(a.max),
            "loss": .double(FewShot.summary(losses).mean),
            "shots": .int(shots),
            "episodes": .int(episodes),
            "support_examples": .int(shots * vocabulary.count),
        ]
    }
}
