import Foundation
import XCTest
import XGraphCore
import XGraphStore

final class LogAndResumeTests: StoreTestCase {
    func testEachAttemptGetsItsOwnLogAndLatestPointsToTheNewest() throws {
        let store = try makeStore()
        let node = "finetune/data=30M/model=r101/task=coco-det"
        XCTAssertNil(store.latestLog(forNode: node))
        let first = try store.logPath(forNode: node, attempt: 1)
        try write("attempt 1\n", to: first)
        XCTAssertEqual(store.latestLog(forNode: node), first)
        let second = try store.logPath(forNode: node, attempt: 2)
        XCTAssertNotEqual(first, second)
        try write("attempt 2\n", to: second)
        XCTAssertEqual(store.latestLog(forNode: node), second)
        XCTAssertEqual(try String(contentsOfFile: first, encoding: .utf8), "attempt 1\n")
        XCTAssertNil(store.latestLog(forNode: "other"))
    }

    func testResumeFolderSurvivesUntilRemoved() throws {
        let store = try makeStore()
        let key = Digest.of("k")
        let dir = try store.resumeDirectory(forNode: "pretrain", key: key)
        try write("epoch 3", to: dir + "/ckpt")
        let again = try Store(root: store.root).resumeDirectory(forNode: "pretrain", key: key)
        XCTAssertEqual(again, dir)
        XCTAssertEqual(try String(contentsOfFile: again + "/ckpt", encoding: .utf8), "epoch 3")
        store.removeResumeDirectory(forNode: "pretrain", key: key)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: store.root + "/resume").isEmpty)
    }
}
