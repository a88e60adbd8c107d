@testable import CLLN
import Foundation
import Testing

@Suite struct SupervisedDataTests {
    @Test func irisHasFisherShape() throws {
        let iris = try Datasets.iris()
        #expect(iris.count == 150 && iris.features.allSatisfy { $0.count == 4 })
        #expect(iris.classNames == ["setosa", "versicolor", "virginica"])
        #expect((0..<3).map { c in iris.labels.filter { $0 == c }.count } == [50, 50, 50])
        #expect(iris.features[0] == [5.1, 3.5, 1.4, 0.2])
    }

    @Test func digitsLoadFromTheShippedCSV() throws {
        let digits = try Datasets.digits()
        #expect(digits.count == 1797 && digits.features.allSatisfy { $0.count == 64 })
        #expect(digits.features.allSatisfy { $0.allSatisfy { (0...16).contains($0) && $0 == $0.rounded() } })
        // The first image of sklearn's load_digits() is a 0.
        #expect(digits.labels[0] == 0)
        #expect(Array(digits.features[0][0..<8]) == [0, 0, 5, 13, 9, 1, 0, 0])
        #expect(Set(digits.labels) == Set(0...9))
    }

    /// The shipped values, bit for bit: sample and class counts, and an FNV-1a hash of every
    /// feature's bit pattern and every label (pinned from the decoder the CSV files replaced).
    @Test func shippedValuesAreExactlyTheOriginals() throws {
        let iris = try Datasets.iris()
        #expect(iris.count == 150 && (0..<3).map { c in iris.labels.filter { $0 == c }.count } == [50, 50, 50])
        #expect(Self.fingerprint(iris) == 0x15bb_1ed1_b6fb_d6fe)
        let digits = try Datasets.digits()
        #expect(digits.count == 1797)
        #expect((0...9).map { c in digits.labels.filter { $0 == c }.count } == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        #expect(digits.features.joined().reduce(0, +) == 561_718)
        #expect(Self.fingerprint(digits) == 0xcda7_f012_9876_fb76)
    }

    static func fingerprint(_ data: LabeledDataset) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) {
            for byte in 0..<8 {
                hash ^= (word >> (8 * byte)) & 0xff
                hash &*= 0x100_0000_01b3
            }
        }
        for row in data.features { for value in row { mix(value.bitPattern) } }
        for label in data.labels { mix(UInt64(label)) }
        return hash
    }

    @Test func stratifiedSplitIsFixedBySeed() throws {
        let iris = try Datasets.iris()
        let a = iris.stratifiedSplit(testFraction: 0.2, seed: 0)
        let b = iris.stratifiedSplit(testFraction: 0.2, seed: 0)
        let c = iris.stratifiedSplit(testFraction: 0.2, seed: 1)
        #expect(a.train == b.train && a.test == b.test && a.test != c.test)
        #expect(a.test.count == 30 && a.train.count == 120 && Set(a.train).isDisjoint(with: a.test))
        #expect((0..<3).allSatisfy { k in a.test.filter { iris.labels[$0] == k }.count == 10 })
    }

    /// What scikit-learn 1.9.1 on numpy 2.4.6 drew (Fixtures/sklearn-splits.json, from
    /// generate_sklearn_splits.py).
    struct ScikitLearnSplits: Decodable {
        var mt19937_seed0_first5: [UInt32]
        var permutation10_seed0: [Int]
        var digits_test: [String: [Int]]
        var iris_test: [String: [Int]]
    }

    static func scikitLearnSplits() throws -> ScikitLearnSplits {
        try JSONDecoder().decode(ScikitLearnSplits.self, from: Data(contentsOf: Fixture.url("sklearn-splits.json")))
    }

    @Test func numpyLegacyStreamMatchesNumpy() throws {
        let expected = try Self.scikitLearnSplits()
        var rng = NumpyLegacyGenerator(seed: 0)
        #expect((0..<5).map { _ in rng.nextUInt32() } == expected.mt19937_seed0_first5)
        var again = NumpyLegacyGenerator(seed: 0)
        #expect(again.permutation(10) == expected.permutation10_seed0)
    }

    @Test func scikitLearnSplitDrawsScikitLearnsSets() throws {
        let expected = try Self.scikitLearnSplits()
        let digits = try Datasets.digits()
        for (seed, test) in expected.digits_test {
            let split = try digits.scikitLearnSplit(testFraction: 0.2, seed: UInt64(seed)!)
            #expect(split.test == test, "digits, seed \(seed)")
            #expect(split.train.count == 1437 && split.test.count == 360)
            #expect(Set(split.train).union(split.test) == Set(0..<1797) && Set(split.train).isDisjoint(with: split.test))
        }
        let iris = try Datasets.iris()
        for (seed, test) in expected.iris_test {
            #expect(try iris.scikitLearnSplit(testFraction: 0.2, seed: UInt64(seed)!).test == test, "iris, seed \(seed)")
        }
        #expect(throws: DatasetSplitError.seedOutOfRange(1 << 32)) { try digits.scikitLearnSplit(testFraction: 0.2, seed: 1 << 32) }
    }

    /// The digits tasks on `split: scikit-learn` hold exactly scikit-learn's test images, in
    /// increasing index order, and record the method; the default split is unchanged.
    @Test func digitsTaskTakesTheScikitLearnSplit() throws {
        let expected = try Self.scikitLearnSplits()
        let digits = try Datasets.digits()
        var config = SupervisedConfig(task: "digits-hidden")
        config.split = .scikitLearn
        let task = try config.makeTask()
        #expect(task.splitMethod == .scikitLearn && task.train.count == 1437 && task.test.count == 360)
        let images = expected.digits_test["0"]!.map { digits.features[$0].map { $0 / 16 } }
        #expect(task.test.map { Array($0.inputs.prefix(64)) } == images)
        #expect(task.testClasses == expected.digits_test["0"]!.map { digits.labels[$0] })
        #expect(task.summary.contains("1437/360 (scikit-learn, seed 0)"))
        let ours = try SupervisedConfig(task: "digits").makeTask()
        #expect(ours.splitMethod == nil && ours.test.count == 359)
    }
}
