import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Issue 23's transfer targets against a local `rclone serve s3`, each xgraph figure beside a
/// tool moving the same bytes in the same run: a 1 GB checkpoint (push and pull within 1.25× of
/// the faster of `rclone copy` and `s3cmd`), 1,000 small nodes (≥ 5× faster than one PUT per
/// file), and a no-op build with a remote that asks the server nothing. About two minutes;
/// `--skip-remote` leaves it out.
enum RemoteBench {
    static let key = "xgraphbenchkey"
    static let secret = "xgraphbenchsecret"
    static let port = 19_290

    static func run(xgraph: String, scratch: String) {
        say("\n== remote cache: push and pull against a local `rclone serve s3`")
        guard let rclone = rclonePath() else {
            say("  no rclone with `serve s3` (make test-deps installs it into .build/test-tools/rclone): skipped")
            return
        }
        let dir = scratch + "/remote"
        let served = dir + "/s3"
        do {
            try FileManager.default.createDirectory(atPath: served + "/bucket", withIntermediateDirectories: true)
        } catch { say("  cannot create \(served): \(error)"); return }
        let log = dir + "/server.log"
        // Quiet for the transfers (at -vv rclone logs every read of a ranged GET, which slowed
        // its serving of a 1 GB pull by seconds); verbose for the no-op build, to count requests.
        guard var server = startServer(rclone, folder: served, log: log, verbose: false) else {
            say("  rclone serve s3 did not start (log: \(log))"); return
        }
        // Once per process: a reaped id may be another process's by the next call.
        func stop() {
            guard server > 0 else { return }
            kill(server, SIGKILL); var st: Int32 = 0; waitpid(server, &st, 0)
            server = 0
        }
        defer { stop() }
        // Credentials for xgraph and for rclone's client (its config from the environment, so no
        // file holds them); inherited by every process spawned below.
        let endpoint = "http://127.0.0.1:\(port)"
        for (k, v) in ["AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                       "RCLONE_CONFIG_XB_TYPE": "s3", "RCLONE_CONFIG_XB_PROVIDER": "Other",
                       "RCLONE_CONFIG_XB_ACCESS_KEY_ID": key, "RCLONE_CONFIG_XB_SECRET_ACCESS_KEY": secret,
                       "RCLONE_CONFIG_XB_ENDPOINT": endpoint, "RCLONE_CONFIG_XB_REGION": "us-east-1",
                       "RCLONE_CONFIG_XB_FORCE_PATH_STYLE": "true"] {
            setenv(k, v, 1)
        }
        // s3cmd is not measured: Debian's package is not installed on the machines this was
        // written on, so no run could check its figures; say which case this is.
        let s3cmd = ["/usr/bin/s3cmd", "/usr/local/bin/s3cmd"].contains { FileManager.default.isExecutableFile(atPath: $0) }
        say("  s3cmd \(s3cmd ? "is installed but not measured" : "is not installed (Debian's `s3cmd`)"): compared with rclone copy and curl")
        let url = { (prefix: String) in "s3://bucket/\(prefix)?endpoint=\(endpoint)&region=us-east-1&path_style=1" }
        bigFile(xgraph: xgraph, rclone: rclone, dir: dir, url: url)
        let small = smallNodes(xgraph: xgraph, rclone: rclone, dir: dir, url: url("small"), endpoint: endpoint)
        guard small else { return }
        stop()
        guard let verbose = startServer(rclone, folder: served, log: log, verbose: true) else {
            say("  rclone serve s3 -vv did not start again (log: \(log))"); return
        }
        server = verbose
        noOp(xgraph: xgraph, dir: dir, url: url("small"), log: log)
    }

    static func rclonePath() -> String? {
        if let p = ProcessInfo.processInfo.environment["XGRAPH_TEST_RCLONE"], !p.isEmpty { return p }
        // The bench runs from .build/<triple>/release; make test-deps installs into
        // .build/test-tools: look in the folders above the binary.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<3 {
            dir = dir.deletingLastPathComponent()
            let installed = dir.appendingPathComponent("test-tools/rclone/bin/rclone").path
            if FileManager.default.isExecutableFile(atPath: installed) { return installed }
        }
        return nil
    }

    static func startServer(_ rclone: String, folder: String, log: String, verbose: Bool) -> pid_t? {
        // -vv: the server logs one line per request ("serve s3: HEAD OBJECT …"), which the
        // no-op figure counts.
        let argv = [rclone, "serve", "s3", "--auth-key", "\(key),\(secret)", "--addr", "127.0.0.1:\(port)",
                    "--config", "/dev/null", "--log-file", log] + (verbose ? ["-vv"] : []) + [folder]
        let cargs = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, rclone, nil, nil, cargs, environ) == 0 else { return nil }
        for _ in 0..<500 {
            if accepts(port) { return pid }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        return nil
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Writes every dirty page out before a measured transfer: an fsync on ext4 commits the
    /// journal and with it whatever the previous transfer (the server's copy) left unwritten,
    /// which would charge one tool for another's writes.
    static func settled(_ argv: [String], cwd: String, stdoutPath: String = "/dev/null", stderrPath: String = "/dev/null") -> Measured {
        _ = spawnMeasured(["sync"], cwd: cwd)
        return spawnMeasured(argv, cwd: cwd, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    /// One HEAD of each large object below `prefix`, not measured: rclone's server computes an
    /// object's MD5 (its ETag) on the first request after a multipart upload, 1.5 s per GB here,
    /// and xgraph's four ranged GETs each waited for it (a 1 GB pull took 9 s instead of 4).
    /// rclone's client HEADs what it uploaded itself, inside its upload's time; S3 and MinIO
    /// keep the ETag from the upload.
    static func warm(dir: String, prefix: String) {
        let script = "cd s3/bucket && for f in \"$0\"/blobs/*/* \"$0\"/*.bin; do [ -f \"$f\" ] || continue; "
            + "curl -sf -I -o /dev/null --aws-sigv4 aws:amz:us-east-1:s3 --user \"$1:$2\" \"$3/bucket/$f\"; done"
        _ = spawnMeasured(["/bin/sh", "-c", script, prefix, key, secret, "http://127.0.0.1:\(port)"], cwd: dir)
    }

    /// The fastest successful run, else the first failure.
    static func best(_ runs: [Measured]) -> Measured {
        runs.filter { $0.status == 0 }.min { $0.seconds < $1.seconds } ?? runs.first ?? Measured(status: -1, seconds: 0, maxRSSMB: 0)
    }

    static func secs(_ m: Measured) -> String { m.status == 0 ? String(format: "%.1f s", m.seconds) : "failed (\(m.status))" }
    static func rate(_ bytes: Double, _ m: Measured) -> String { String(format: "%.0f MB/s", bytes / 1e6 / max(m.seconds, 1e-6)) }
    static func ratio(_ a: Double, _ b: Double) -> String { String(format: "%.2f×", a / max(b, 1e-6)) }

    /// A 1 GB checkpoint of random bytes, the output of one node: push from the store that built
    /// it, pull into an empty store; `rclone copyto` up and down with the same file.
    static func bigFile(xgraph: String, rclone: String, dir: String, url: (String) -> String) {
        let bytes = 1 << 30
        let ckpt = dir + "/checkpoint.bin"
        let made = spawnMeasured(["/bin/sh", "-c", "head -c \(bytes) /dev/urandom > \"$0\"", ckpt], cwd: dir)
        guard made.status == 0 else { say("  cannot write a 1 GB file in \(dir)"); return }
        let yaml = """
            steps:
              train:
                params: { src: "\(ckpt)" }
                command: cp "{{ params.src }}" {{ out }}/model.ckpt

            """
        guard (try? yaml.write(toFile: dir + "/big.yaml", atomically: true, encoding: .utf8)) != nil else { return }
        let build = spawnMeasured([xgraph, "build", "big.yaml", "--store", "big-a", "--remote-mode", "off"], cwd: dir)
        guard build.status == 0 else { say("  the 1 GB node did not build"); return }
        // Two rounds, each tool in turn, and the best of each counts: on a shared machine one
        // round is moved by seconds by whatever else runs.
        var pushes: [Measured] = [], pulls: [Measured] = [], ups: [Measured] = [], downs: [Measured] = [], syncs: [Measured] = []
        for round in 0..<2 {
            pushes.append(settled([xgraph, "push", "big.yaml", "--store", "big-a", "--remote", url("big\(round)")], cwd: dir,
                                        stdoutPath: dir + "/big-push.log", stderrPath: dir + "/big-push.err"))
            warm(dir: dir, prefix: "big\(round)")
            pulls.append(settled([xgraph, "pull", "big.yaml", "--store", "big-b", "--remote", url("big\(round)")], cwd: dir,
                                       stdoutPath: dir + "/big-pull.log", stderrPath: dir + "/big-pull.err"))
            let object = "xb:bucket/rclone-big\(round)/checkpoint.bin"
            ups.append(settled([rclone, "copyto", "--config", "/dev/null", ckpt, object], cwd: dir))
            warm(dir: dir, prefix: "rclone-big\(round)")
            downs.append(settled([rclone, "copyto", "--config", "/dev/null", object, dir + "/down.bin"], cwd: dir))
            // xgraph's pull fsyncs each blob before it gets its name; rclone does not: the same
            // durability costs rclone this much more.
            syncs.append(spawnMeasured(["sync", dir + "/down.bin"], cwd: dir))
            unlink(dir + "/down.bin")
            _ = spawnMeasured(["rm", "-rf", "big-b"], cwd: dir)
        }
        let (push, pull, up, down, synced) = (best(pushes), best(pulls), best(ups), best(downs), best(syncs))
        let b = Double(bytes)
        say("  (best of 2 rounds each)")
        say("  1 GB checkpoint, push: xgraph \(secs(push)) (\(rate(b, push))), rclone copyto \(secs(up)) (\(rate(b, up)))"
            + " — xgraph/rclone \(ratio(push.seconds, up.seconds)) (target ≤ 1.25×)")
        say("  1 GB checkpoint, pull: xgraph \(secs(pull)) (\(rate(b, pull)); hashes and fsyncs), rclone copyto \(secs(down)) (\(rate(b, down)))"
            + " — xgraph/rclone \(ratio(pull.seconds, down.seconds)) (target ≤ 1.25×); rclone + fsync \(secs(synced)) more: "
            + "xgraph/(rclone + fsync) \(ratio(pull.seconds, down.seconds + synced.seconds))")
        for (m, name) in [(push, "big-push"), (pull, "big-pull")] where m.status != 0 { explain(dir + "/\(name).err") }
        // The next sections need the disk more than these copies.
        unlink(ckpt)
        _ = spawnMeasured(["/bin/sh", "-c", "rm -rf big-a s3/bucket/big* s3/bucket/rclone-big*"], cwd: dir)
    }

    static let smallCount = 1000

    /// 1,000 nodes of one 1 kB file each: push and pull with --jobs 8 (best of two rounds); the same 1,000 files with
    /// one `rclone copy` (parallel) and with one curl PUT process per file (what `s3cmd put`
    /// per file costs), measured on 200 files and scaled to 1,000.
    static func smallNodes(xgraph: String, rclone: String, dir: String, url: String, endpoint: String) -> Bool {
        let values = (0..<smallCount).map(String.init).joined(separator: ", ")
        let yaml = """
            steps:
              node:
                foreach: { i: [\(values)] }
                command: |
                  { echo "$XGRAPH_NODE"; head -c 1000 /dev/zero; } > {{ out }}/out.bin

            """
        guard (try? yaml.write(toFile: dir + "/small.yaml", atomically: true, encoding: .utf8)) != nil else { return false }
        let build = spawnMeasured([xgraph, "build", "small.yaml", "--store", "small-a", "--remote-mode", "off"], cwd: dir)
        guard build.status == 0 else { say("  the 1,000 small nodes did not build"); return false }
        // The same bytes as plain files, for the other tools.
        let files = dir + "/small-files"
        let made = spawnMeasured(["/bin/sh", "-c", """
            mkdir -p "$0" && i=0; while [ $i -lt \(smallCount) ]; do { echo "node/i=$i"; head -c 1000 /dev/zero; } > "$0/$i.bin"; i=$((i+1)); done
            """, files], cwd: dir)
        guard made.status == 0 else { return false }
        // Two rounds (new prefixes and stores each), the best of each tool counting.
        var pushes: [Measured] = [], pulls: [Measured] = [], ups: [Measured] = [], downs: [Measured] = []
        for round in 0..<2 {
            let prefix = round == 0 ? url : url.replacingOccurrences(of: "/small?", with: "/small\(round)?")
            pushes.append(settled([xgraph, "push", "small.yaml", "--store", "small-a", "--remote", prefix, "--jobs", "8"], cwd: dir,
                                        stdoutPath: dir + "/small-push.log", stderrPath: dir + "/small-push.err"))
            ups.append(settled([rclone, "copy", "--config", "/dev/null", "--transfers", "8", files, "xb:bucket/rclone-small\(round)"], cwd: dir))
            pulls.append(settled([xgraph, "pull", "small.yaml", "--store", round == 0 ? "small-b" : "small-b\(round)", "--remote", prefix,
                                        "--jobs", "8"], cwd: dir, stdoutPath: dir + "/small-pull.log", stderrPath: dir + "/small-pull.err"))
            downs.append(settled([rclone, "copy", "--config", "/dev/null", "--transfers", "8", "xb:bucket/rclone-small\(round)",
                                        dir + "/small-down\(round)"], cwd: dir))
        }
        let (push, pull, up, down) = (best(pushes), best(pulls), best(ups), best(downs))
        let sample = 200
        let perFile = spawnMeasured(["/bin/sh", "-c", """
            i=0; while [ $i -lt \(sample) ]; do curl -sf -o /dev/null --aws-sigv4 aws:amz:us-east-1:s3 --user "$1:$2" -T "$0/$i.bin" "$3/bucket/curl-small/$i.bin" || exit 1; i=$((i+1)); done
            """, files, key, secret, endpoint], cwd: dir)
        var perFileAll = perFile
        perFileAll.seconds *= Double(smallCount) / Double(sample)
        say("  1,000 nodes of 1 kB, push --jobs 8: xgraph \(secs(push)) (4 requests per node: GET of the record, "
            + "PUT of blob, tree and record), rclone copy --transfers 8 \(secs(up)), one curl PUT process per file \(secs(perFileAll)) "
            + "(\(sample) measured, scaled)"
            + (perFile.status == 0 ? " — per-file/xgraph \(ratio(perFileAll.seconds, push.seconds)) (target ≥ 5×)" : ""))
        say("  1,000 nodes of 1 kB, pull --jobs 8: xgraph \(secs(pull)) (records, trees, blobs, verified and installed), "
            + "rclone copy down \(secs(down)) — xgraph/rclone \(ratio(pull.seconds, down.seconds)), "
            + "per-file PUTs/xgraph pull \(ratio(perFileAll.seconds, pull.seconds))")
        for (m, name) in [(push, "small-push"), (pull, "small-pull")] where m.status != 0 { explain(dir + "/\(name).err") }
        return push.status == 0 && pull.status == 0
    }

    /// The last line a failed command wrote (rclone's server has been seen answering 500 for an
    /// object it had just stored under a burst of PUTs: say so rather than print a bare status).
    static func explain(_ errPath: String) {
        let text = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        if let last = text.split(separator: "\n").last { say("    \((errPath as NSString).lastPathComponent): \(last)") }
    }

    /// A no-op build of the pulled store with the remote named: the server's log counts the
    /// requests it got (none expected), and the same build pointed at a port nothing listens on
    /// must take as long as with the remote off (a request there would cost retries and a warning).
    static func noOp(xgraph: String, dir: String, url: String, log: String) {
        func requests() -> Int {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "serve s3: ").count - 1
        }
        let before = requests()
        let live = spawnMeasured([xgraph, "build", "small.yaml", "--store", "small-b", "--remote", url], cwd: dir,
                                 stderrPath: dir + "/noop-live.err")
        usleep(200_000)
        let asked = requests() - before
        let off = spawnMeasured([xgraph, "build", "small.yaml", "--store", "small-b", "--remote-mode", "off"], cwd: dir)
        let downURL = "s3://bucket/small?endpoint=http://127.0.0.1:\(port + 1)&region=us-east-1&path_style=1"
        let down = spawnMeasured([xgraph, "build", "small.yaml", "--store", "small-b", "--remote", downURL], cwd: dir,
                                 stderrPath: dir + "/noop-down.err")
        let warned = ((try? String(contentsOfFile: dir + "/noop-down.err", encoding: .utf8)) ?? "").contains("warning")
        say("  no-op build of 1,000 cached nodes with the remote named: \(secs(live)), \(asked) requests to the server "
            + "(target 0); pointed at a stopped server \(secs(down))\(warned ? " with a warning" : ", no warning"); "
            + "remote off \(secs(off))")
    }
}
