import Foundation
import XGraphCore

/// The built-in CPU steps (`run: builtin:<name>`): subset, pretrain, transfer and eval on
/// Fashion-MNIST with OpenBLAS. See docs/builtins.md.
public enum Builtins {
    public static let names = BuiltinSteps.names

    /// Enters node keys: bump `BuiltinSteps.version` (its history is there) whenever a builtin's
    /// output for the same inputs changes.
    public static let version = BuiltinSteps.version

    public static func run(_ name: String, context: BuiltinContext, log: (String) -> Void) throws {
        let params = try BuiltinParams(builtin: name, params: context.params)
        try FileManager.default.createDirectory(atPath: context.outputDirectory, withIntermediateDirectories: true)
        switch name {
        case "subset": try SubsetStep.run(context, params, log: log)
        case "pretrain": try PretrainStep.run(context, params, log: log)
        case "transfer": try TransferStep.run(context, params, log: log)
        case "eval": try EvalStep.run(context, params, log: log)
        default:
            throw XGraphError.usage("unknown builtin `\(name)`; the builtins are \(names.joined(separator: ", "))")
        }
        // On builtin:subset a literal `seed` axis is read through the subset entry it rewrites
        // (each seed draws its own subset), not as the top-level value: not an unused parameter.
        for unread in params.unreadNames() where !(name == "subset" && unread == "seed") {
            log("note: builtin:\(name) does not use parameter `\(unread)`")
        }
    }
}

extension BuiltinParams {
    /// The training parameters pretrain and transfer share, over each builtin's defaults.
    func trainingConfig(defaults d: TrainingConfig) throws -> TrainingConfig {
        TrainingConfig(
            epochs: try int("epochs", default: d.epochs, min: 1),
            minSteps: try int("min_steps", default: d.minSteps),
            batchSize: try int("batch_size", default: d.batchSize, min: 1),
            learningRate: try double("lr", default: d.learningRate, in: 0...100),
            momentum: try double("momentum", default: d.momentum, in: 0...0.9999),
            weightDecay: try double("weight_decay", default: d.weightDecay, in: 0...1),
            schedule: LearningRateSchedule.Kind(rawValue: try choice(
                "schedule", allowed: LearningRateSchedule.Kind.allCases.map(\.rawValue), default: d.schedule.rawValue))!,
            warmupSteps: try int("warmup_steps", default: d.warmupSteps),
            seed: try seed(),
            steps: try value("steps") == nil ? d.steps : try int("steps", default: nil, min: 1))
    }
}
