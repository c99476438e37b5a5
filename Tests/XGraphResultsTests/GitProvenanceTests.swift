import Foundation
import XCTest
import XGraphResults

final class GitProvenanceTests: XCTestCase {
    /// A repository with two commits on `main`, a committed .gitignore that ignores `*.log`.
    private func makeRepo() throws -> String {
        let dir = try makeTempDir(self)
        try runTool("git", ["init", "-q", "-b", "main"], in: dir)
        try "ignored\n*.log\n".write(toFile: dir + "/.gitignore", atomically: true, encoding: .utf8)
        try "one\n".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        try runTool("git", ["add", "."], in: dir)
        try runTool("git", ["commit", "-q", "-m", "first"], in: dir)
        try "two\n".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        try runTool("git", ["commit", "-q", "-am", "second"], in: dir)
        return dir
    }

    func testHeadCommitAndBranchMatchGit() throws {
        let repo = try makeRepo()
        let info = try XCTUnwrap(GitProvenance.read(at: repo))
        XCTAssertEqual(info.commit, try runTool("git", ["rev-parse", "HEAD"], in: repo))
        XCTAssertEqual(info.branch, "main")
    }

    func testRepositoryIsFoundFromASubfolder() throws {
        let repo = try makeRepo()
        try FileManager.default.createDirectory(atPath: repo + "/sub/deeper", withIntermediateDirectories: true)
        XCTAssertEqual(GitProvenance.read(at: repo + "/sub/deeper")?.commit,
                       try runTool("git", ["rev-parse", "HEAD"], in: repo))
    }

    func testCleanTreeIsNotDirtyAndHasNoDigest() throws {
        let repo = try makeRepo()
        let info = try XCTUnwrap(GitProvenance.read(at: repo))
        XCTAssertFalse(info.dirty)
        XCTAssertNil(info.diffDigest)
    }

    func testModifiedFileIsDirtyWithADigestThatFollowsTheChange() throws {
        let repo = try makeRepo()
        try "three\n".write(toFile: repo + "/a.txt", atomically: true, encoding: .utf8)
        let first = try XCTUnwrap(GitProvenance.read(at: repo))
        XCTAssertTrue(first.dirty)
        let digest = try XCTUnwrap(first.diffDigest)

        try "four\n".write(toFile: repo + "/a.txt", atomically: true, encoding: .utf8)
        let second = try XCTUnwrap(GitProvenance.read(at: repo))
        XCTAssertTrue(second.dirty)
        XCTAssertNotEqual(second.diffDigest, digest)

        try "three\n".write(toFile: repo + "/a.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(GitProvenance.read(at: repo)?.diffDigest, digest, "same change, same digest")
    }

    func testStagedChangeIsDirty() throws {
        let repo = try makeRepo()
        try "staged\n".write(toFile: repo + "/a.txt", atomically: true, encoding: .utf8)
        try runTool("git", ["add", "a.txt"], in: repo)
        let info = try XCTUnwrap(GitProvenance.read(at: repo))
        XCTAssertTrue(info.dirty)
        XCTAssertNotNil(info.diffDigest)
    }

    func testUntrackedFileIsDirtyAndItsContentIsInTheDigest() throws {
        let repo = try makeRepo()
        try FileManager.default.createDirectory(atPath: repo + "/new", withIntermediateDirectories: true)
        try "x = 1\n".write(toFile: repo + "/new/train.py", atomically: true, encoding: .utf8)
        let first = try XCTUnwrap(GitProvenance.read(at: repo))
        XCTAssertTrue(first.dirty)
        XCTAssertNotNil(first.diffDigest)

        try "x = 2\n".write(toFile: repo + "/new/train.py", atomically: true, encoding: .utf8)
        XCTAssertNotEqual(GitProvenance.read(at: repo)?.diffDigest, first.diffDigest)
    }

    func testIgnoredFileDoesNotMakeTheTreeDirty() throws {
        let repo = try makeRepo()
        try "noise\n".write(toFile: repo + "/run.log", atomically: true, encoding: .utf8)
        let info = try XCTUnwrap(GitProvenance.read(at: repo))
        XCTAssertFalse(info.dirty)
        XCTAssertNil(info.diffDigest)
    }

    func testAnIgnoredFolderIsNeitherAChangeNorInTheDigest() throws {
        let repo = try makeRepo()
        let store = repo + "/cache"
        try FileManager.default.createDirectory(atPath: store + "/records", withIntermediateDirectories: true)
        try "{}\n".write(toFile: store + "/records/one.json", atomically: true, encoding: .utf8)
        let clean = try XCTUnwrap(GitProvenance.read(at: repo, ignoring: [store]))
        XCTAssertFalse(clean.dirty, "only the store changed")
        XCTAssertTrue(try XCTUnwrap(GitProvenance.read(at: repo)).dirty, "without ignoring, it is an untracked change")

        try "three\n".write(toFile: repo + "/a.txt", atomically: true, encoding: .utf8)
        let first = try XCTUnwrap(GitProvenance.read(at: repo, ignoring: [store]))
        XCTAssertTrue(first.dirty)
        try "{}\n".write(toFile: store + "/records/two.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(GitProvenance.read(at: repo, ignoring: [store])?.diffDigest, first.diffDigest,
                       "a build's new records do not change the digest of the code's diff")
    }

    func testDetachedHeadHasNoBranch() throws {
        let repo = try makeRepo()
        try runTool("git", ["checkout", "-q", "--detach", "HEAD~1"], in: repo)
        let info = try XCTUnwrap(GitProvenance.read(at: repo))
        XCTAssertNil(info.branch)
        XCTAssertEqual(info.commit, try runTool("git", ["rev-parse", "HEAD"], in: repo))
    }

    func testOutsideARepositoryIsNil() throws {
        XCTAssertNil(GitProvenance.read(at: try makeTempDir(self)))
    }

    func testRepositoryWithoutCommitsIsNil() throws {
        let dir = try makeTempDir(self)
        try runTool("git", ["init", "-q", "-b", "main"], in: dir)
        try "x\n".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        XCTAssertNil(GitProvenance.read(at: dir))
    }

    func testResolveNamesFullCommitIds() throws {
        let repo = try makeRepo()
        let parent = try runTool("git", ["rev-parse", "HEAD~1"], in: repo)
        XCTAssertEqual(GitProvenance.resolve("HEAD~1", at: repo), parent)
        XCTAssertEqual(GitProvenance.resolve(String(parent.prefix(8)), at: repo), parent)
        XCTAssertEqual(GitProvenance.resolve("main", at: repo), try runTool("git", ["rev-parse", "HEAD"], in: repo))
        try runTool("git", ["tag", "-a", "v1", "-m", "annotated", "HEAD~1"], in: repo)
        XCTAssertEqual(GitProvenance.resolve("v1", at: repo), parent, "an annotated tag resolves to its commit")
        XCTAssertNil(GitProvenance.resolve("no-such-rev", at: repo))
        XCTAssertNil(GitProvenance.resolve("HEAD", at: try makeTempDir(self)))
    }
}
