public enum XGraphVersion {
    public static let string = "0.1.0"
}
