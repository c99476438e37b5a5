import XCTest
import XGraphCore
import XGraphExecutors

final class GPUInventoryTests: XCTestCase {
    func testParseCountGivesIDsFromZero() throws {
        XCTAssertEqual(try GPUInventory.parse(flag: "4"), [0, 1, 2, 3])
        XCTAssertEqual(try GPUInventory.parse(flag: "0"), [])
    }

    func testParseListGivesExactlyThoseIDs() throws {
        XCTAssertEqual(try GPUInventory.parse(flag: "0,2,3"), [0, 2, 3])
        XCTAssertEqual(try GPUInventory.parse(flag: "5"), [0, 1, 2, 3, 4])
    }

    func testParseRejectsBadInput() {
        for bad in ["", "x", "-1", "1,,2", "0,a", "1.5", "0,1,1", "5,"] {
            XCTAssertThrowsError(try GPUInventory.parse(flag: bad), "'\(bad)' should be rejected") { error in
                guard case XGraphError.usage(let message) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(message.contains("--gpus"))
            }
        }
    }

    func testNvidiaSMIOutputIsParsed() {
        let out = """
        0, GPU-aaaa, NVIDIA H100 80GB HBM3
        1, GPU-bbbb, NVIDIA H100 80GB HBM3

        """
        let devices = GPUInventory.parseNvidiaSMI(out)
        XCTAssertEqual(devices.map(\.id), [0, 1])
        XCTAssertEqual(devices.first?.uuid, "GPU-aaaa")
        XCTAssertEqual(GPUInventory(devices: devices).model, "NVIDIA H100 80GB HBM3")
    }

    func testCUDAVisibleDevicesRestrictsWhatNvidiaSMIReports() {
        let smi = (0..<4).map { GPUInventory.Device(id: $0, name: "A100", uuid: "GPU-\($0)") }
        XCTAssertEqual(GPUInventory.resolve(nvidiaSMI: smi, cudaVisibleDevices: nil).ids, [0, 1, 2, 3])
        XCTAssertEqual(GPUInventory.resolve(nvidiaSMI: smi, cudaVisibleDevices: "2,0").ids, [2, 0])
        XCTAssertEqual(GPUInventory.resolve(nvidiaSMI: smi, cudaVisibleDevices: "GPU-3").ids, [3])
        XCTAssertEqual(GPUInventory.resolve(nvidiaSMI: smi, cudaVisibleDevices: "").ids, [])
        let unknown = GPUInventory.resolve(nvidiaSMI: smi, cudaVisibleDevices: "1,9")
        XCTAssertEqual(unknown.ids, [1])
        XCTAssertEqual(unknown.warnings.count, 1)
    }

    func testCUDAVisibleDevicesNamesTheIDsWithoutNvidiaSMI() {
        XCTAssertEqual(GPUInventory.resolve(nvidiaSMI: nil, cudaVisibleDevices: "1,3").ids, [1, 3])
        XCTAssertNil(GPUInventory.resolve(nvidiaSMI: nil, cudaVisibleDevices: "1,3").model)
    }

    func testNoNvidiaSMIAndNoVariableMeansNoGPUs() {
        XCTAssertEqual(GPUInventory.detect(environment: ["PATH": ""]).ids, [])
        XCTAssertEqual(GPUInventory.detect(environment: ["PATH": "", "CUDA_VISIBLE_DEVICES": "0,2"]).ids, [0, 2])
    }
}
