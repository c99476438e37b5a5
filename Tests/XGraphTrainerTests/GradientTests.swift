import XCTest
import XGraphCore
import XGraphTrainer

final class GradientTests: XCTestCase {
    func testBackpropagationMatchesFiniteDifferences() {
        let model = MLP(inputSize: 7, width: 6, depth: 2, classes: 4, seed: 11)
        var rng = SplitMix64(seed: 5)
        let batch = 5
        let inputs = (0..<(batch * 7)).map { _ in Float(rng.nextUnit() * 2 - 1) }
        let labels = (0..<batch).map { _ in Int32(rng.next(below: 4)) }
        let (loss, gradients) = model.lossAndGradients(inputs: inputs, labels: labels)
        XCTAssertEqual(loss, model.loss(inputs: inputs, labels: labels), accuracy: 1e-6)

        let eps: Float = 1e-3
        var checked = 0
        var kinks = 0
        for l in 0..<model.layers.count {
            for isBias in [false, true] {
                let size = isBias ? model.layers[l].bias.count : model.layers[l].weight.count
                for _ in 0..<4 {
                    let i = Int(rng.next(below: UInt64(size)))
                    func perturbed(_ delta: Float) -> Double {
                        var m = model
                        if isBias { m.layers[l].bias[i] += delta } else { m.layers[l].weight[i] += delta }
                        return m.loss(inputs: inputs, labels: labels)
                    }
                    let (up, centre, down) = (perturbed(eps), perturbed(0), perturbed(-eps))
                    // A ReLU switching inside [w - eps, w + eps] makes the loss non-smooth there:
                    // the one-sided slopes disagree and a central difference means nothing.
                    if abs((up - centre) - (centre - down)) > 1e-2 * abs(up - down) + 1e-6 {
                        kinks += 1
                        continue
                    }
                    let numeric = (up - down) / Double(2 * eps)
                    let analytic = Double(isBias ? gradients[l].bias[i] : gradients[l].weight[i])
                    XCTAssertEqual(analytic, numeric, accuracy: 1e-3 + 2e-2 * abs(numeric),
                                   "layer \(l) \(isBias ? "bias" : "weight")[\(i)]")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 20, "\(kinks) coordinates sat on a ReLU kink")
        XCTAssertTrue(gradients.contains { $0.weight.contains { abs($0) > 1e-3 } }, "gradients are not all ~0")
    }

    func testHeInitialisationHasTheExpectedSpread() {
        let model = MLP(inputSize: 784, width: 256, depth: 1, classes: 10, seed: 1)
        let w = model.layers[0].weight
        let variance = w.reduce(0.0) { $0 + Double($1 * $1) } / Double(w.count)
        XCTAssertEqual(variance, 2.0 / 784, accuracy: 0.05 * 2.0 / 784)
        XCTAssertEqual(model.layers[1].weight.count, 2560)
        XCTAssertNotEqual(MLP(inputSize: 784, width: 256, depth: 1, classes: 10, seed: 2), model)
    }
}
