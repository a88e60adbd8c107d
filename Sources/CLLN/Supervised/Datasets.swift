import CLLNDatasets
import Foundation

/// A classification data set: one feature vector and one class index per sample.
public struct LabeledDataset: Sendable {
    public var name: String
    public var featureNames: [String]
    public var classNames: [String]
    public var features: [[Double]]
    public var labels: [Int]

    public var count: Int { labels.count }

    /// Sample indices split into training and test sets, stratified: each class contributes
    /// round(`testFraction` × its count) samples to the test set, chosen by a seeded shuffle.
    /// Both lists are in increasing index order; the same seed always gives the same split.
    public func stratifiedSplit(testFraction: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
        var train: [Int] = []
        var test: [Int] = []
        for c in classNames.indices {
            var members = labels.indices.filter { labels[$0] == c }
            var rng = SeededGenerator(seed: seed, stream: UInt64(c) + 1)
            members.shuffle(using: &rng)
            let testCount = Int((Double(members.count) * testFraction).rounded())
            test += members.prefix(testCount)
            train += members.dropFirst(testCount)
        }
        return (train.sorted(), test.sorted())
    }
}

/// Why a shipped data set could not be loaded (a damaged installation: the files are resources of
/// the `CLLNDatasets` target).
public enum DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is missing from the resource bundle.
    case missingFile(String)
    /// The file is there but could not be read.
    case unreadable(String, reason: String)
    /// Line `line` (1-based) of the file is not what the format requires.
    case malformed(String, line: Int, reason: String)

    public var description: String {
        let fix = "reinstall or rebuild the package (see Sources/CLLNDatasets/README.md)"
        return switch self {
        case let .missingFile(file): "data set file \(file) is missing from the resource bundle: \(fix)"
        case let .unreadable(file, reason): "data set file \(file) could not be read (\(reason)): \(fix)"
        case let .malformed(file, line, reason): "data set file \(file), line \(line): \(reason): \(fix)"
        }
    }
}

/// The data sets that ship with the package (CSV resources of `CLLNDatasets`; sources, licences
/// and SHA-256 in its README). Each file is read and checked once, at first use.
public enum Datasets {
    /// Fisher's Iris data: 150 flowers, 4 measurements in cm, 3 species (50 each).
    public static func iris() throws(DatasetError) -> LabeledDataset { try irisData.get() }

    /// The 8×8 handwritten digits: 1,797 images of 64 pixels with values 0…16 (row-major), 10 classes.
    public static func digits() throws(DatasetError) -> LabeledDataset { try digitsData.get() }

    /// `iris.csv`: a header `samples,features,<class names>`, then per flower four measurements
    /// and the class index.
    private static let irisData = Result { () throws(DatasetError) -> LabeledDataset in
        let file = "iris.csv"
        let rows = try csvRows(file)
        guard let header = rows.first, header.count >= 3, let samples = Int(header[0]), Int(header[1]) == 4 else {
            throw .malformed(file, line: 1, reason: "the header is not `samples,4,<class names>`")
        }
        let classNames = header[2...].map(String.init)
        var features: [[Double]] = []
        var labels: [Int] = []
        for (offset, row) in rows.dropFirst().enumerated() {
            let (values, label) = try sample(row, file: file, line: offset + 2, features: 4, classes: classNames.count)
            features.append(values)
            labels.append(label)
        }
        guard labels.count == samples else {
            throw .malformed(file, line: rows.count, reason: "\(labels.count) samples, the header says \(samples)")
        }
        return LabeledDataset(
            name: "iris", featureNames: ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
            classNames: classNames, features: features, labels: labels)
    }

    /// `digits.csv`: per image 64 pixel values and the digit, no header.
    private static let digitsData = Result { () throws(DatasetError) -> LabeledDataset in
        let file = "digits.csv"
        var features: [[Double]] = []
        var labels: [Int] = []
        for (offset, row) in try csvRows(file).enumerated() {
            let (values, label) = try sample(row, file: file, line: offset + 1, features: 64, classes: 10)
            features.append(values)
            labels.append(label)
        }
        return LabeledDataset(
            name: "digits", featureNames: (0..<64).map { "pixel \($0 / 8),\($0 % 8)" },
            classNames: (0...9).map(String.init), features: features, labels: labels)
    }

    /// The non-empty lines of shipped file `file`, split at commas.
    private static func csvRows(_ file: String) throws(DatasetError) -> [[Substring]] {
        guard let url = DatasetFiles.url(file) else { throw .missingFile(file) }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file, reason: error.localizedDescription)
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",") }
    }

    /// One sample: `features` numbers, then a class index below `classes`.
    private static func sample(
        _ row: [Substring], file: String, line: Int, features: Int, classes: Int
    ) throws(DatasetError) -> ([Double], Int) {
        guard row.count == features + 1 else {
            throw .malformed(file, line: line, reason: "\(row.count) fields, expected \(features + 1)")
        }
        var values: [Double] = []
        values.reserveCapacity(features)
        for field in row.prefix(features) {
            guard let value = Double(field), value.isFinite else {
                throw .malformed(file, line: line, reason: "`\(field)` is not a finite number")
            }
            values.append(value)
        }
        guard let label = Int(row[features]), (0..<classes).contains(label) else {
            throw .malformed(file, line: line, reason: "`\(row[features])` is not a class index below \(classes)")
        }
        return (values, label)
    }
}
