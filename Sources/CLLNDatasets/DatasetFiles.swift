import Foundation

/// The data files shipped in `Sources/CLLNDatasets/Data` as resources (no stable API: read and
/// parsed by `CLLN`'s `Datasets`; sources, licences and checksums in this target's README).
public enum DatasetFiles {
    /// The shipped file `name` (`iris.csv`, `digits.csv`), or `nil` when the resource bundle
    /// does not hold it.
    public static func url(_ name: String) -> URL? {
        guard let folder = Bundle.module.url(forResource: "Data", withExtension: nil) else { return nil }
        let url = folder.appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
