/// How a node's command (and env values) keep path roles apart from text. Expansion writes a
/// role as `{{out}}` and substitutes every value; the renderer later fills the roles. A value
/// is data: a param holding the text `{{out}}` or `{{` must reach the command as written, not
/// be read as a role or swallow the next one. So every `{` of text that would read
/// as part of a `{{` is written as `{{{}}`, a role the renderer turns back into one `{`.
/// Text without such a brace (nearly every command) is written unchanged.
public enum CommandText {
    /// The role whose value is one literal `{`.
    public static let braceRole = "{"

    static func role(_ name: String) -> String { "{{\(name)}}" }

    /// `text` with each `{` escaped that is followed by another `{`, or that ends the text
    /// when a role follows (it would join the role's `{{`).
    static func escaped(_ text: String, beforeRole: Bool) -> String {
        let brace = UInt8(ascii: "{")
        guard text.utf8.contains(brace) else { return text }
        // Bytes, not Characters: `{` is ASCII, and walking Characters made a 100 kB command
        // (found by the fuzzer) take seconds to plan.
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        for (i, b) in bytes.enumerated() {
            let joins = i + 1 < bytes.count ? bytes[i + 1] == brace : beforeRole
            if b == brace && joins { out.append(contentsOf: role(braceRole).utf8) } else { out.append(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
