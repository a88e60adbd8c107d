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

/// The data sets that ship with the package (see `Datasets/README.md` for sources and licences).
public enum Datasets {
    /// Fisher's Iris data: 150 flowers, 4 measurements in cm, 3 species (50 each).
    public static func iris() -> LabeledDataset { irisData }

    /// The 8×8 handwritten digits: 1,797 images of 64 pixels with values 0…16 (row-major), 10 classes.
    public static func digits() throws -> LabeledDataset { try digitsData.get() }

    private static let irisData: LabeledDataset = {
        let rows = irisCSV.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let header = rows[0]
        let samples = rows.dropFirst()
        return LabeledDataset(
            name: "iris", featureNames: ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
            classNames: Array(header[2...]), features: samples.map { $0[0..<4].map { Double($0)! } },
            labels: samples.map { Int($0[4])! })
    }()

    private static let digitsData: Result<LabeledDataset, Error> = Result {
        guard let gzip = Data(base64Encoded: digitsGzipBase64, options: .ignoreUnknownCharacters) else {
            throw Inflate.Failure.notGzip
        }
        let text = String(decoding: try Inflate.gunzip([UInt8](gzip)), as: UTF8.self)
        var features: [[Double]] = []
        var labels: [Int] = []
        for line in text.split(separator: "\n") {
            let values = line.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == 65 else { throw Inflate.Failure.invalidCode("a digits row has \(values.count) fields, expected 65") }
            features.append(Array(values[..<64]))
            labels.append(Int(values[64]))
        }
        return LabeledDataset(
            name: "digits", featureNames: (0..<64).map { "pixel \($0 / 8),\($0 % 8)" },
            classNames: (0...9).map(String.init), features: features, labels: labels)
    }
}
