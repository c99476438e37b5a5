/// A number read from text, with the reason it was refused: an error message says "must be a
/// size such as 30M" for text that is no number at all, but "must be at most 1000000B" for one
/// past its limit, which would otherwise trap in the conversion to Int.
public enum Bounded<Value: Sendable & Equatable>: Sendable, Equatable {
    case value(Value)
    /// Not a number of this kind.
    case malformed
    /// A number of this kind, but larger than its limit.
    case tooLarge

    /// The value, or nil for either refusal.
    public var value: Value? {
        if case .value(let v) = self { return v }
        return nil
    }
}
