/// The version of the node-key encoding. It is hashed into every key.
///
/// If you change any of the inputs to a key, or how they are encoded, bump this constant and add a
/// test: a wrong key silently hands a user someone else's checkpoint.
///
/// Version History:
/// * 1: kind, one part per top-level param, command template with path roles, code digests by
///      content, env, declared outputs, input output-digests, GPU count when declared.
/// * 2: each part's name is length-prefixed (`LENGTH:NAME DIGEST LF`) instead of ended by NUL, so
///      no name can forge another part; a text `{` that would read as part of a
///      `{{` in a command or env value is written `{{{}}`.
public enum KeyVersion {
    public static let current = 2
}
