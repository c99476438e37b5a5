import Foundation
import XCTest

/// The built-in backend through the binary, on the real Fashion-MNIST files (`make test` installs
/// dataset-fashion-mnist): a forced re-run of a pretraining node writes byte-identical outputs,
/// so its transfers are cut off instead of trained again.
final class BuiltinCutoffTests: XCTestCase {
    func testForcedPretrainRerunCutsOffItsTransfers() throws {
        let h = try CLIHarness()
        try h.write("tiny.yaml", """
            datasets:
              fashion: { source: builtin:fashion-mnist }
            subsets:
              fashion: { dataset: fashion, sizes: [300], seed: 0 }
            models:
              mlp: { capacities: { tiny: { width: 16, depth: 1 } } }
            tasks:
              coarse: { labels: coarse }
            steps:
              subset:
                run: builtin:subset
                foreach: { data: subsets.fashion }
                inputs: { dataset: datasets.fashion }
              pretrain:
                run: builtin:pretrain
                foreach: { data: subsets.fashion, model: models.mlp }
                inputs: { subset: subset, dataset: datasets.fashion }
                params: { epochs: 1, min_steps: 0, batch_size: 32 }
              transfer:
                run: builtin:transfer
                foreach: { data: subsets.fashion, model: models.mlp, task: tasks, mode: [frozen] }
                inputs: { checkpoint: pretrain, dataset: datasets.fashion }
                params: { epochs: 1 }

            """)
        let first = try h.run(["build", "tiny.yaml"])
        XCTAssertEqual(first.status, 0, first.all)
        XCTAssertTrue(first.out.contains("built 3"), first.out)
        let forced = try h.run(["build", "tiny.yaml", "--force", "pretrain/*"])
        XCTAssertEqual(forced.status, 0, forced.all)
        XCTAssertTrue(forced.out.contains("cutoff transfer/data=300/model=tiny/task=coarse/mode=frozen"), forced.out)
        XCTAssertTrue(forced.out.contains("built 1,"), "only the forced pretraining ran: \(forced.out)")
        let log = try h.run(["logs", "pretrain/data=300/model=tiny"])
        XCTAssertTrue(log.out.contains("examples/s"), "the speed is in the log, not the outputs: \(log.all)")
    }
}
