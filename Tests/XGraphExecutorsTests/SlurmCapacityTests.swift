import XCTest
import XGraphExecutors

/// Reading what a cluster has free from `sinfo --Node` (recorded output of Slurm 22.05 and the
/// generic-resource forms of later versions and real GPU clusters).
final class SlurmCapacityTests: XCTestCase {
    func testFreeCPUsAndGPUsPerPartitionCountEachNodeOnce() {
        let c = SlurmCapacity.parse("""
            vm|cpu*|3/1/0/4|gpu:2|gpu:1|mix|
            vm|gpu|3/1/0/4|gpu:2|gpu:1|mix|

            """)
        XCTAssertEqual(c.defaultPartition, "cpu")
        XCTAssertEqual(c.free(in: ["gpu"]), SlurmCapacity.Free(cpus: 1, gpus: 1, totalCPUs: 4, totalGPUs: 2, nodes: 1))
        XCTAssertEqual(c.free(in: ["cpu", "gpu"]).nodes, 1)
    }

    func testGresWithTypesSocketsAndIndicesIsCounted() {
        let c = SlurmCapacity.parse("""
            a1|gpu|0/64/0/64|gpu:a100:4(S:0-1)|gpu:a100:2(IDX:0-1)|mix|
            a2|gpu|64/0/0/64|gpu:a100:4(S:0-1),shard:8|gpu:a100:4(IDX:0-3),shard:0|alloc|
            v1|gpu|0/32/0/32|gpu:v100:2(S:0),gpu:t4:1(S:1)|gpu:(null):0|idle|

            """)
        let f = c.free(in: ["gpu"])
        XCTAssertEqual(f.totalGPUs, 4 + 4 + 3)
        XCTAssertEqual(f.gpus, 2 + 0 + 3)
        XCTAssertEqual(f.cpus, 64 + 0 + 32)
    }

    func testNodesThatTakeNoJobsAreLeftOut() {
        let c = SlurmCapacity.parse("""
            n1|batch*|0/8/0/8|(null)|(null)|idle|
            n2|batch*|0/8/0/8|(null)|(null)|drain|
            n3|batch*|0/0/8/8|(null)|(null)|down*|
            n4|batch*|0/8/0/8|(null)|(null)|idle*|
            n5|batch*|2/6/0/8|(null)|(null)|mix|

            """)
        XCTAssertEqual(c.free(in: ["batch"]), SlurmCapacity.Free(cpus: 14, gpus: 0, totalCPUs: 16, totalGPUs: 0, nodes: 2))
    }
}
