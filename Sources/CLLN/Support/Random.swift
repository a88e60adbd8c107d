import Foundation

/// A seeded xoshiro256** generator: the same seed gives the same stream on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Codable, Hashable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Seeds the state with SplitMix64 from `seed` and an optional `stream` (e.g. a trial index),
    /// so that (seed, stream) pairs give independent streams.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var x = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        (s0, s1, s2, s3) = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in `range`.
    public mutating func uniform(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
    }

    /// Standard normal (Box–Muller).
    public mutating func gaussian() -> Double {
        var u = uniform()
        while u <= .leastNormalMagnitude { u = uniform() }
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * uniform())
    }

    /// Uniform integer in 0..<n.
    public mutating func index(_ n: Int) -> Int { Int.random(in: 0..<n, using: &self) }
}
