import Foundation
import XCTest
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

final class IngestTests: StoreTestCase {
    func testIdenticalFilesInTwoOutputsAreStoredOnce() throws {
        let store = try makeStore()
        let weights = String(repeating: "w", count: 100_000)
        let a = try store.ingest(outputDirectory: try output(store, ["model.bin": weights, "a.txt": "x"]))
        let b = try store.ingest(outputDirectory: try output(store, ["copy.bin": weights, "b.txt": "y"]))
        XCTAssertEqual(a.reusedBlobCount, 0)
        XCTAssertEqual(b.reusedBlobCount, 1)
        XCTAssertEqual(a.outputs["model.bin"], b.outputs["copy.bin"])
        // Both artifacts' files are hard links to the one blob.
        XCTAssertEqual(inode(store.artifactPath(a.tree) + "/model.bin"), inode(store.artifactPath(b.tree) + "/copy.bin"))
        XCTAssertEqual(inode(store.artifactPath(a.tree) + "/model.bin"), inode(blob(store, a.outputs["model.bin"])))
    }

    /// A small file whose bytes are stored already keeps its own inode (replacing it by a link
    /// would free an inode, which makes later file creation slow on ext4 without a journal);
    /// its blob is still the one stored first, and the artifact holds the right bytes, read-only.
    func testSmallDuplicatesKeepTheirOwnReadOnlyFile() throws {
        let store = try makeStore()
        let a = try store.ingest(outputDirectory: try output(store, ["done.txt": "ok"]))
        let b = try store.ingest(outputDirectory: try output(store, ["done.txt": "ok", "other.txt": "z"]))
        XCTAssertEqual(b.reusedBlobCount, 1)
        let first = store.artifactPath(a.tree) + "/done.txt", second = store.artifactPath(b.tree) + "/done.txt"
        XCTAssertNotEqual(inode(first), inode(second))
        XCTAssertEqual(inode(first), inode(blob(store, a.outputs["done.txt"])))
        XCTAssertEqual(try String(contentsOfFile: second, encoding: .utf8), "ok")
        XCTAssertEqual(mode(second) & 0o222, 0)
        XCTAssertEqual(try store.verify().problems, [])
    }

    /// The output folder itself becomes the artifact (no second folder, no moving files out
    /// and linking them back); a new file and its blob are one inode.
    func testTheOutputFolderBecomesTheArtifact() throws {
        let store = try makeStore()
        let out = try output(store, ["f.txt": "new bytes", "sub/g.txt": "more"])
        let folder = inode(out), file = inode(out + "/f.txt")
        let r = try store.ingest(outputDirectory: out)
        XCTAssertEqual(inode(store.artifactPath(r.tree)), folder)
        XCTAssertEqual(inode(store.artifactPath(r.tree) + "/f.txt"), file)
        XCTAssertEqual(inode(blob(store, r.outputs["f.txt"])), file)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.root + "/tmp"), [])
    }

    /// A file the step also linked somewhere else must not become the blob (making it read-only
    /// would change the other name too, and it could be changed through it): its bytes are copied.
    func testAFileLinkedOutsideTheOutputIsCopied() throws {
        let store = try makeStore()
        let out = try output(store, ["f.txt": "shared bytes"])
        let outside = scratch + "/outside.txt"
        XCTAssertEqual(link(out + "/f.txt", outside), 0)
        let r = try store.ingest(outputDirectory: out)
        let stored = store.artifactPath(r.tree) + "/f.txt"
        XCTAssertNotEqual(inode(stored), inode(outside))
        XCTAssertEqual(mode(outside) & 0o200, 0o200, "the other name keeps its mode")
        try overwriteInPlace(outside, with: "SHARED")
        XCTAssertEqual(try String(contentsOfFile: stored, encoding: .utf8), "shared bytes")
        XCTAssertEqual(try store.verify().problems, [])
    }

    private func inode(_ path: String) -> UInt64 {
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0, path)
        return UInt64(st.st_ino)
    }

    private func blob(_ store: Store, _ digest: Digest?) -> String {
        store.root + "/blobs/" + String(digest?.hex.prefix(2) ?? "") + "/" + (digest?.hex ?? "")
    }

    func testIdenticalFoldersGetIdenticalDigestsAndOneByteChangesIt() throws {
        let store = try makeStore()
        let files = ["m/w.bin": "0123456789", "metrics.json": "{\"top1\":0.5}"]
        let a = try store.ingest(outputDirectory: try output(store, files))
        let b = try store.ingest(outputDirectory: try output(store, files))
        var changed = files
        changed["m/w.bin"] = "0123456788"
        let c = try store.ingest(outputDirectory: try output(store, changed))
        XCTAssertEqual(a.tree, b.tree)
        XCTAssertNotEqual(a.tree, c.tree)
        XCTAssertEqual(a.outputs["metrics.json"], c.outputs["metrics.json"])
        XCTAssertNotEqual(a.outputs["m"], c.outputs["m"])
    }

    func testExecutableBitAndEmptyFoldersCount() throws {
        let store = try makeStore()
        let plain = try store.makeOutputDirectory(for: "n")
        try write("#!/bin/sh\n", to: plain + "/run.sh")
        let exec = try store.makeOutputDirectory(for: "n")
        try write("#!/bin/sh\n", to: exec + "/run.sh", executable: true)
        let withEmpty = try store.makeOutputDirectory(for: "n")
        try write("#!/bin/sh\n", to: withEmpty + "/run.sh")
        try FileManager.default.createDirectory(atPath: withEmpty + "/empty", withIntermediateDirectories: false)

        let p = try store.ingest(outputDirectory: plain)
        let x = try store.ingest(outputDirectory: exec)
        let e = try store.ingest(outputDirectory: withEmpty)
        XCTAssertNotEqual(p.tree, x.tree)
        XCTAssertNotEqual(p.tree, e.tree)
        // Same content, so the same file digest; the executable copy keeps its bit.
        XCTAssertEqual(p.outputs["run.sh"], x.outputs["run.sh"])
        XCTAssertEqual(mode(store.artifactPath(x.tree) + "/run.sh") & 0o100, 0o100)
        XCTAssertEqual(mode(store.artifactPath(p.tree) + "/run.sh") & 0o100, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.artifactPath(e.tree) + "/empty"))
    }

    func testArtifactFilesAndFoldersAreReadOnly() throws {
        let store = try makeStore()
        let r = try store.ingest(outputDirectory: try output(store, ["sub/f.txt": "hello"]))
        XCTAssertTrue(store.hasArtifact(r.tree))
        let dir = store.artifactPath(r.tree)
        XCTAssertEqual(mode(dir + "/sub/f.txt") & 0o222, 0)
        XCTAssertEqual(mode(dir + "/sub") & 0o222, 0)
        XCTAssertEqual(mode(dir) & 0o222, 0)
        XCTAssertEqual(try String(contentsOfFile: dir + "/sub/f.txt", encoding: .utf8), "hello")
    }

    func testIngestRemovesTheOutputFolder() throws {
        let store = try makeStore()
        let dir = try output(store, ["a": "1"])
        _ = try store.ingest(outputDirectory: dir)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
    }

    func testFolderDigestEqualsItsArtifactDigest() throws {
        let store = try makeStore()
        let files = ["code/train.py": "print(1)", "code/lib/util.py": "x = 2", "README": "r"]
        for (rel, text) in files { try write(text, to: scratch + "/src/" + rel) }
        try FileManager.default.createDirectory(atPath: scratch + "/src/empty", withIntermediateDirectories: false)
        XCTAssertEqual(symlink("code/train.py", scratch + "/src/main.py"), 0)
        let folderDigest = try store.digestOfTree(scratch + "/src")

        let out = try store.makeOutputDirectory(for: "n")
        for (rel, text) in files { try write(text, to: out + "/" + rel) }
        try FileManager.default.createDirectory(atPath: out + "/empty", withIntermediateDirectories: false)
        XCTAssertEqual(symlink("code/train.py", out + "/main.py"), 0)
        let r = try store.ingest(outputDirectory: out)
        XCTAssertEqual(folderDigest, r.tree)
        XCTAssertEqual(r.outputs["code"], try store.digestOfTree(scratch + "/src/code"))
        XCTAssertEqual(r.outputs["README"], Digest.of("r"))
        // The inside link is kept as a link.
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: store.artifactPath(r.tree) + "/main.py"),
                       "code/train.py")
    }

    func testLinksLeavingTheOutputFolderAreRejectedAndNothingIsLeft() throws {
        let store = try makeStore()
        try write("secret", to: scratch + "/outside.txt")
        for target in [scratch + "/outside.txt", "../outside.txt", "sub/../../x"] {
            let dir = try output(store, ["ok.txt": "fine"])
            XCTAssertEqual(symlink(target, dir + "/escape"), 0)
            XCTAssertThrowsError(try store.ingest(outputDirectory: dir)) { error in
                XCTAssertTrue("\(error)".contains("leaves the output folder"), "\(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.root + "/artifacts"), [])
    }

    func testALinkThatLeavesTheOutputThroughAnInnerLinkIsRejected() throws {
        let store = try makeStore()
        try write("secret", to: scratch + "/outside.txt")
        let dir = try output(store, ["p/q/r/keep.txt": "fine"])
        // Each link is inside the folder when read on its own; `leak` climbs out through `up`.
        XCTAssertEqual(symlink("../../..", dir + "/p/q/r/up"), 0)
        // The output folder is <scratch>/cache/tmp/<name>: three levels below outside.txt.
        XCTAssertEqual(symlink("p/q/r/up/../../../outside.txt", dir + "/leak"), 0)
        XCTAssertEqual(try String(contentsOfFile: dir + "/leak", encoding: .utf8), "secret", "the trap works")
        XCTAssertThrowsError(try store.ingest(outputDirectory: dir)) { error in
            XCTAssertTrue("\(error)".contains("leak"), "\(error)")
            XCTAssertTrue("\(error)".contains("leaves the output folder"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.root + "/artifacts"), [])
    }

    func testLinksThroughInnerLinksThatStayInsideAreKept() throws {
        let store = try makeStore()
        let dir = try output(store, ["p/q/r/keep.txt": "fine", "top.txt": "t"])
        XCTAssertEqual(symlink("../../..", dir + "/p/q/r/up"), 0)
        XCTAssertEqual(symlink("p/q/r/up/top.txt", dir + "/ok"), 0)
        XCTAssertEqual(symlink("p/q/r/up/missing.txt", dir + "/dangling"), 0)
        let r = try store.ingest(outputDirectory: dir)
        XCTAssertEqual(try String(contentsOfFile: store.artifactPath(r.tree) + "/ok", encoding: .utf8), "t")
    }

    func testEachAttemptGetsAFreshEmptyFolderAndNothingIsLeftInTmp() throws {
        let store = try makeStore()
        var seen: Set<String> = []
        for _ in 0..<3 {
            let out = try store.makeOutputDirectory(for: "n")
            XCTAssertTrue(seen.insert(out).inserted, "a name no attempt used before")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), [])
            // A failed attempt that leaves files and read-only folders.
            try write("partial", to: out + "/sub/x.bin")
            chmod(out + "/sub", 0o555)
            store.discardOutputDirectory(out)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.root + "/tmp"), [])
    }

    /// The params file sits beside the attempt's log and stays with it.
    func testParamsFileIsKeptBesideTheAttemptLog() throws {
        let store = try makeStore()
        let log = try store.logPath(forNode: "a/b=1", attempt: 2)
        let params = try store.writeParamsFile(Data("{\"i\":1}".utf8), besideLog: log)
        XCTAssertEqual(params, String(log.dropLast(4)) + ".params.json")
        XCTAssertEqual(try String(contentsOfFile: params, encoding: .utf8), "{\"i\":1}")
        // Written again for the same log (a requeued Slurm job names the same log): replaced.
        XCTAssertEqual(try store.writeParamsFile(Data("{}".utf8), besideLog: log), params)
        XCTAssertEqual(try String(contentsOfFile: params, encoding: .utf8), "{}")
    }

    func testFailedOutputsAndDeadProcessesTemporariesAreRemoved() throws {
        let store = try makeStore()
        let failed = try output(store, ["partial.bin": "half"])
        store.discardOutputDirectory(failed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: failed))

        // A temporary whose owner is gone, and one of a live owner: a new Store start removes
        // only the first.
        var dead = ""
        do {
            let gone = try Store(root: store.root)
            dead = try output(gone, ["f": "x"])
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dead))
        let live = try output(store, ["f": "x"])
        let reopened = try Store(root: store.root)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live))
        _ = reopened
    }

    func testTemporariesOfAStoreThatIsGoneAreSweptEvenThoughItsProcessLives() throws {
        let store = try makeStore()
        var out = ""
        do {
            // Another user of the store in this very process (as a process in another PID
            // namespace can have this process's pid): its pid is alive, its lease is not.
            let gone = try Store(root: store.root)
            out = try output(gone, ["f": "x"])
        }
        _ = try Store(root: store.root)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testALiveOwnersTemporaryIsKeptHoweverOld() throws {
        let store = try makeStore()
        let out = try output(store, ["f": "x"])
        let tenDaysAgo = timespec(tv_sec: time(nil) - 10 * 86_400, tv_nsec: 0)
        setMTime(out, tenDaysAgo)
        _ = try Store(root: store.root)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out))
    }
}
