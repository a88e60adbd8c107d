import Foundation

/// The model cards and subcircuits shipped in `templates/` (no stable API: used by `CLLN`).
public enum Templates {
    /// Folder holding the model cards (`*.lib`).
    public static var modelsDirectory: URL? {
        Bundle.module.url(forResource: "models", withExtension: nil)
    }

    /// Names of the shipped model cards (file names without `.lib`), sorted.
    public static var modelNames: [String] {
        guard let dir = modelsDirectory,
            let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path)
        else { return [] }
        return files.filter { $0.hasSuffix(".lib") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// The text of model card `name`, or `nil` when no such card ships.
    public static func modelCard(named name: String) -> String? {
        guard let url = modelsDirectory?.appendingPathComponent(name + ".lib") else { return nil }
        return try? String(contentsOf: url, encoding: .utf8)
    }
}
