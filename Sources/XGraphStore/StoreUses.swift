import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// When builds last used each record, for `gc --max-size`'s least-recently-used order.
///
/// A build that runs something pins the keys it uses (GCLock.swift); the pin file's mtime says
/// when it last did. When its Store is released the file is moved to `locks/uses/<owner>`; a
/// process that exits first leaves it in `locks/owners/`, where gc reads it as well. gc reads them all, and after a
/// collection replaces the files it read by one `locks/uses/compact` holding
/// `<key hex> SP <unix seconds, 3 decimals> LF` per kept record. A null build uses nothing new and writes
/// nothing: the last build that ran something on top of a record counts as its last use.
extension Store {
    struct Uses {
        var last: [Digest: Date] = [:]
        /// The files read, to delete once compacted.
        var files: [String] = []
    }

    var usesDir: String { leases.usesDir }

    /// Moves a pin file into locks/uses/ (or deletes it where that fails).
    static func retirePins(_ pins: String) {
        let dir = ((pins as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent + "/uses"
        let name = ((pins as NSString).lastPathComponent as NSString).deletingPathExtension
        guard POSIX.exists(pins) else { return }
        _ = try? POSIX.makeDirectories(dir)
        // The rename keeps the mtime of the last pin: when the build last used a key.
        if rename(pins, dir + "/" + name) != 0 { unlink(pins) }
    }

    /// - Parameter pins: pin files of owners that are gone (a process that exits does not
    ///   release its Store, so its pins stay where they were): uses like the others.
    func readUses(alsoFrom pins: [String] = []) -> Uses {
        var uses = Uses()
        for path in (POSIX.list(usesDir) ?? []).filter({ !$0.hasPrefix(".") }).map({ usesDir + "/" + $0 }) + pins {
            let name = (path as NSString).lastPathComponent
            guard let data = POSIX.readFile(path) else { continue }
            uses.files.append(path)
            var st = stat()
            let mtime = lstat(path, &st) == 0
                ? Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9) : .distantPast
            for line in data.split(separator: 0x0A) {
                let fields = line.split(separator: 0x20)
                guard let key = Digest(hex: String(decoding: fields[0], as: UTF8.self)) else { continue }
                var when = mtime
                if name == "compact", fields.count > 1, let s = Double(String(decoding: fields[1], as: UTF8.self)) {
                    when = Date(timeIntervalSince1970: s)
                }
                if when > uses.last[key] ?? .distantPast { uses.last[key] = when }
            }
        }
        return uses
    }

    /// Replaces the files read by one compact file for the records that stay.
    func compactUses(_ uses: Uses, keeping kept: Set<Digest>) {
        guard !uses.files.isEmpty else { return }
        var text = ""
        for (key, when) in uses.last where kept.contains(key) {
            text += "\(key.hex) \(String(format: "%.3f", when.timeIntervalSince1970))\n"
        }
        guard (try? POSIX.publish(Data(text.utf8), at: usesDir + "/compact", tempDir: tmpDir,
                                  tempName: tempName("uses"), overwrite: true, mode: 0o666)) != nil else { return }
        for path in uses.files where path != usesDir + "/compact" { unlink(path) }
    }
}
