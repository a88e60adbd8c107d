/// This package's version, printed by `clln --version` and recorded in summaries.
public enum CLLNVersion {
    public static let current = "0.3.0"
}
