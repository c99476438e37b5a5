import Foundation
import XCTest

/// The PyTorch probe's split (experiments/pytorch/split.py) keeps training and evaluation images
/// apart by construction, for every number of training examples, and refuses more than the
/// training half holds. Plain python3 with numpy: no torch needed.
final class PyTorchSplitTests: XCTestCase {
    func testTheProbeSplitIsDisjointForAnyTrainingSizeAndRefusesMoreThanItsHalf() throws {
        let python = try pythonWithNumpy()
        let folder = PyTorchExampleTests.repo.appendingPathComponent("experiments/pytorch").path
        // 10,000 labels, 1,000 per class, as Fashion-MNIST's test split; the tops are 0, 2, 4, 6.
        let script = """
            import sys
            sys.dont_write_bytecode = True
            sys.path.insert(0, sys.argv[1])
            import numpy as np
            from split import transfer_split
            labels = np.arange(10000) % 10
            tops = [0, 2, 4, 6]
            full, held = transfer_split(labels, tops)
            out = [len(full), len(held)]
            for n in [1, 1000, 5000, len(full)]:
                if n > len(full):
                    continue
                train, ev = transfer_split(labels, tops, n)
                assert len(set(train) & set(ev)) == 0, n
                assert set(labels[train]) <= set(tops) and set(labels[ev]) <= set(tops)
                assert list(ev) == list(held), "the evaluation set never depends on n"
                out.append(len(train))
            try:
                transfer_split(labels, tops, len(full) + 1)
                out.append("no error")
            except ValueError:
                out.append("refused")
            print(out)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python[0])
        process.arguments = Array(python.dropFirst()) + ["-c", script, folder]
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, err)
        // The halves hold about 2,000 tops each (a random half of 4,000).
        let numbers = out.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        XCTAssertEqual(numbers.count, 5, out + err)
        if numbers.count == 5 {
            XCTAssertEqual(numbers[0] + numbers[1], 4000, out)
            XCTAssertTrue((1800...2200).contains(numbers[0]), out)
            XCTAssertEqual(Array(numbers[2...]), [1, 1000, numbers[0]], out)
        }
        XCTAssertTrue(out.contains("refused"), out)
    }

    /// The first of make example-pytorch's venv, `python3` on PATH and Debian's python3 that
    /// imports numpy, as an executable and its leading arguments.
    private func pythonWithNumpy() throws -> [String] {
        let venv = PyTorchExampleTests.repo.appendingPathComponent(".venv-pytorch/bin/python").path
        for candidate in [[venv], ["/usr/bin/env", "python3"], ["/usr/bin/python3"]]
        where FileManager.default.isExecutableFile(atPath: candidate[0]) {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: candidate[0])
            probe.arguments = Array(candidate.dropFirst()) + ["-c", "import numpy"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            try probe.run()
            probe.waitUntilExit()
            if probe.terminationStatus == 0 { return candidate }
        }
        throw XCTSkip("no python3 with numpy (tried \(venv), python3 on PATH, /usr/bin/python3)")
    }
}
