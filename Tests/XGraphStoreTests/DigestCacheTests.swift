import Foundation
import XCTest
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

final class DigestCacheTests: StoreTestCase {
    private let old = timespec(tv_sec: 1_700_000_000, tv_nsec: 123_456_789)

    func testCachedDigestIsKeyedOnSizeMtimeAndInode() throws {
        let store = try makeStore()
        let path = scratch + "/data.bin"
        try write("aaaa", to: path)
        setMTime(path, old)
        XCTAssertEqual(try store.digestOfFile(path), Digest.of("aaaa"))
        try overwriteInPlace(path, with: "bbbb")

        // A new mtime makes it read the file again.
        setMTime(path, timespec(tv_sec: old.tv_sec + 10, tv_nsec: 0))
        XCTAssertEqual(try store.digestOfFile(path), Digest.of("bbbb"))
    }

    func testDigestCachePersistsAcrossStores() throws {
        let store = try makeStore()
        let path = scratch + "/data.bin"
        try write("aaaa", to: path)
        setMTime(path, old)
        XCTAssertEqual(try store.digestOfFile(path), Digest.of("aaaa"))
        try store.saveDigestCache()

        let saved = try String(contentsOfFile: store.root + "/digest-cache", encoding: .utf8)
        XCTAssertTrue(saved.hasPrefix("xgraph-digest-cache 2\n"), saved)
        XCTAssertTrue(saved.contains(Digest.of("aaaa").hex + " 4 "), saved)
        XCTAssertTrue(saved.hasSuffix(" " + path + "\n"), saved)
        XCTAssertEqual(try Store(root: store.root).digestOfFile(path), Digest.of("aaaa"))
    }

    func testAFileRewrittenInPlaceWithItsMtimeRestoredIsHashedAgain() throws {
        let store = try makeStore()
        let path = scratch + "/data.bin"
        try write("aaaa", to: path)
        setMTime(path, old)
        XCTAssertEqual(try store.digestOfFile(path), Digest.of("aaaa"))
        try store.saveDigestCache()
        // Same size, same inode, mtime put back (as `rsync --inplace -t` or a careless tool
        // does): only the change time, which no tool can set, tells the file was rewritten.
        sleepPastCtimeGranularity()
        try overwriteInPlace(path, with: "eeee")
        setMTime(path, old)
        XCTAssertEqual(try store.digestOfFile(path), Digest.of("eeee"))
        XCTAssertEqual(try Store(root: store.root).digestOfFile(path), Digest.of("eeee"))
    }

    func testAnOldFormatDigestCacheIsIgnored() throws {
        let store = try makeStore()
        let path = scratch + "/data.bin"
        try write("ffff", to: path)
        setMTime(path, old)
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        // A version-1 file claiming other content for this very (size, mtime, inode).
        let v1 = "xgraph-digest-cache 1\n\(Digest.of("stale").hex) 4 \(Int64(old.tv_sec) * 1_000_000_000 + Int64(old.tv_nsec)) \(st.st_ino) \(path)\n"
        try Data(v1.utf8).write(to: URL(fileURLWithPath: store.root + "/digest-cache"))
        XCTAssertEqual(try Store(root: store.root).digestOfFile(path), Digest.of("ffff"))
    }

    /// Change times have the kernel's tick as granularity; make sure the next write gets another one.
    private func sleepPastCtimeGranularity() { usleep(20_000) }

    func testRecentlyModifiedFilesAreNotCached() throws {
        let store = try makeStore()
        let path = scratch + "/fresh.bin"
        try write("aaaa", to: path)
        let now = mtime(path)
        XCTAssertEqual(try store.digestOfFile(path), Digest.of("aaaa"))
        try overwriteInPlace(path, with: "dddd")
        setMTime(path, now)
        XCTAssertEqual(try store.digestOfFile(path), Digest.of("dddd"))
    }

    func testTreeDigestFollowsFileChangesAndIgnoresMtimes() throws {
        let store = try makeStore()
        try write("1", to: scratch + "/d/a.txt")
        try write("2", to: scratch + "/d/sub/b.txt")
        let first = try store.digestOfTree(scratch + "/d")
        setMTime(scratch + "/d/a.txt", old)
        XCTAssertEqual(try store.digestOfTree(scratch + "/d"), first)
        try write("3", to: scratch + "/d/sub/b.txt")
        XCTAssertNotEqual(try store.digestOfTree(scratch + "/d"), first)
    }

    func testTreeDigestFollowsLinksThatLeaveTheFolder() throws {
        let store = try makeStore()
        try write("pixels", to: scratch + "/elsewhere/train.idx")
        try write("pixels", to: scratch + "/copy/train.idx")
        try FileManager.default.createDirectory(atPath: scratch + "/linked", withIntermediateDirectories: false)
        XCTAssertEqual(symlink(scratch + "/elsewhere/train.idx", scratch + "/linked/train.idx"), 0)
        XCTAssertEqual(try store.digestOfTree(scratch + "/linked"), try store.digestOfTree(scratch + "/copy"))
    }

    func testStatFingerprintChangesWithMtimeAndSizeButReadsNoContent() throws {
        let store = try makeStore()
        try write("aaaa", to: scratch + "/ds/x.bin")
        setMTime(scratch + "/ds/x.bin", old)
        let first = try store.statFingerprint(scratch + "/ds")
        try overwriteInPlace(scratch + "/ds/x.bin", with: "bbbb")
        setMTime(scratch + "/ds/x.bin", old)
        XCTAssertEqual(try store.statFingerprint(scratch + "/ds"), first)
        setMTime(scratch + "/ds/x.bin", timespec(tv_sec: old.tv_sec + 1, tv_nsec: 0))
        XCTAssertNotEqual(try store.statFingerprint(scratch + "/ds"), first)
        XCTAssertNotEqual(try store.statFingerprint(scratch + "/ds/x.bin"), first)
    }
}
