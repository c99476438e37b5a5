import Foundation
import XCTest
import XGraphCore

/// shellQuote's answer is one sh word that sh reads back as the value, whatever it holds.
final class ShellQuoteTests: XCTestCase {
    func testPlainWordsStayAsTheyAreAndEverythingElseIsQuoted() {
        XCTAssertEqual(shellQuote("run-node"), "run-node")
        XCTAssertEqual(shellQuote("/s/jobs/aa/x_1.json"), "/s/jobs/aa/x_1.json")
        XCTAssertEqual(shellQuote("a=b,c:d+e@f%g"), "a=b,c:d+e@f%g")
        XCTAssertEqual(shellQuote(""), "''")
        XCTAssertEqual(shellQuote("a b"), "'a b'")
        XCTAssertEqual(shellQuote("it's"), "'it'\\''s'")
        XCTAssertEqual(shellQuote("é"), "'é'")
        XCTAssertEqual(shellQuote("$HOME"), "'$HOME'")
        XCTAssertEqual(shellQuote("a\nb"), "'a\nb'")
    }

    func testShReadsEachQuotedValueBackUnchanged() throws {
        let values = ["plain", "", "two words", "it's", "$(touch /tmp/x)", "`id`", "a\"b", "tab\there", "new\nline", "ünï", "*", "~", "a;b|c&d"]
        let script = values.map { "printf '%s\\0' " + shellQuote($0) }.joined(separator: "\n")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let back = String(decoding: data, as: UTF8.self).split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertEqual(back, values)
    }
}
