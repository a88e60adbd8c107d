import CLLN
import Foundation
import Testing

@Suite struct SupervisedDataTests {
    @Test func irisHasFisherShape() {
        let iris = Datasets.iris()
        #expect(iris.count == 150 && iris.features.allSatisfy { $0.count == 4 })
        #expect(iris.classNames == ["setosa", "versicolor", "virginica"])
        #expect((0..<3).map { c in iris.labels.filter { $0 == c }.count } == [50, 50, 50])
        #expect(iris.features[0] == [5.1, 3.5, 1.4, 0.2])
    }

    @Test func digitsDecodeFromTheShippedGzip() throws {
        let digits = try Datasets.digits()
        #expect(digits.count == 1797 && digits.features.allSatisfy { $0.count == 64 })
        #expect(digits.features.allSatisfy { $0.allSatisfy { (0...16).contains($0) && $0 == $0.rounded() } })
        // The first image of sklearn's load_digits() is a 0.
        #expect(digits.labels[0] == 0)
        #expect(Array(digits.features[0][0..<8]) == [0, 0, 5, 13, 9, 1, 0, 0])
        #expect(Set(digits.labels) == Set(0...9))
    }

    @Test func inflateRejectsCorruptStreams() throws {
        // "hello\n" gzipped (fixed-Huffman block), then with one CRC byte changed.
        let good: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9,
                             0xe7, 0x02, 0x00, 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00]
        #expect(try Inflate.gunzip(good) == Array("hello\n".utf8))
        var bad = good
        bad[18] ^= 1
        #expect(throws: Inflate.Failure.self) { try Inflate.gunzip(bad) }
        #expect(throws: Inflate.Failure.notGzip) { try Inflate.gunzip(Array(good.dropFirst())) }
    }

    @Test func stratifiedSplitIsFixedBySeed() {
        let iris = Datasets.iris()
        let a = iris.stratifiedSplit(testFraction: 0.2, seed: 0)
        let b = iris.stratifiedSplit(testFraction: 0.2, seed: 0)
        let c = iris.stratifiedSplit(testFraction: 0.2, seed: 1)
        #expect(a.train == b.train && a.test == b.test && a.test != c.test)
        #expect(a.test.count == 30 && a.train.count == 120 && Set(a.train).isDisjoint(with: a.test))
        #expect((0..<3).allSatisfy { k in a.test.filter { iris.labels[$0] == k }.count == 10 })
    }
}
