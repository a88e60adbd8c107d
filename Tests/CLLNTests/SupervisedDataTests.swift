import CLLN
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
}
