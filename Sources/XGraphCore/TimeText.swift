import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Fixed-width time stamps, formatted by hand: a DateFormatter or `String(format:)` per call
/// cost more than the rest of recording a short step.
public enum TimeText {
    /// `2026-11-23T09:41:07.250Z`: ISO-8601 UTC with milliseconds. Sorts as text; what records,
    /// leases and the results index store.
    public static func iso8601(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        var seconds = Int(t.rounded(.down))
        var millis = Int(((t - Double(seconds)) * 1000).rounded())
        if millis == 1000 { seconds += 1; millis = 0 }
        let p = parts(seconds)
        return "\(pad(p.tm_year + 1900, 4))-\(pad(p.tm_mon + 1, 2))-\(pad(p.tm_mday, 2))T"
            + "\(pad(p.tm_hour, 2)):\(pad(p.tm_min, 2)):\(pad(p.tm_sec, 2)).\(pad(millis, 3))Z"
    }

    /// `compact` of the current time (CLOCK_REALTIME), for a file name made now.
    public static func compactNow() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return compact(seconds: now.tv_sec, nanoseconds: now.tv_nsec)
    }

    /// `20261123T094107.250000000`: UTC with nanoseconds and no separators, for file names.
    public static func compact(seconds: Int, nanoseconds: Int) -> String {
        let p = parts(seconds)
        return "\(pad(p.tm_year + 1900, 4))\(pad(p.tm_mon + 1, 2))\(pad(p.tm_mday, 2))T"
            + "\(pad(p.tm_hour, 2))\(pad(p.tm_min, 2))\(pad(p.tm_sec, 2)).\(pad(nanoseconds, 9))"
    }

    /// `09:41:07` in the local time zone, for progress lines.
    public static func localClock(_ date: Date = Date()) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var p = tm()
        localtime_r(&t, &p)
        return "\(pad(p.tm_hour, 2)):\(pad(p.tm_min, 2)):\(pad(p.tm_sec, 2))"
    }

    private static func parts(_ seconds: Int) -> tm {
        var t = time_t(seconds)
        var p = tm()
        gmtime_r(&t, &p)
        return p
    }

    private static func pad<I: BinaryInteger>(_ value: I, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
