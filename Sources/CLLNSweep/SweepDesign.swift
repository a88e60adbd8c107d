import CLLN
import Foundation

/// Where one parameter of a design takes its values: a list (every design), or a range
/// (random and Latin-hypercube designs), uniform or log-uniform, real or integer.
public enum ParameterDomain: Sendable, Hashable {
    case values([SweepValue])
    case range(low: Double, high: Double, log: Bool, integer: Bool)

    /// The value at `u` ∈ [0, 1) of this domain: a list's element of that quantile, or the
    /// range's point at that fraction (of its logarithm when `log`).
    func value(at u: Double) -> SweepValue {
        switch self {
        case let .values(values):
            return values[min(values.count - 1, Int(u * Double(values.count)))]
        case let .range(low, high, log, integer):
            // Integers: the range [low, high + 1) floored, so that each integer has its share.
            let top = integer ? high + 1 : high
            let x = log ? Foundation.exp(Foundation.log(low) + u * (Foundation.log(top) - Foundation.log(low))) : low + u * (top - low)
            return integer ? .int(Int(min(x.rounded(.down), high))) : .double(x)
        }
    }
}

/// A design over config keys: every combination of lists (`grid`), or `points` draws from a
/// seeded generator, independent (`random`) or Latin-hypercube (each parameter's range cut into
/// `points` equal strata, one draw in each).
public struct SweepDesign: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case grid, random
        case latinHypercube = "latin-hypercube"
    }

    public var kind: Kind
    /// Parameters by config key; points list them in key order.
    public var parameters: [String: ParameterDomain]
    /// Number of points of a random or Latin-hypercube design.
    public var points: Int
    /// Seed of a random or Latin-hypercube design.
    public var seed: UInt64

    public init(kind: Kind, parameters: [String: ParameterDomain], points: Int = 1, seed: UInt64 = 0) {
        self.kind = kind
        self.parameters = parameters
        self.points = points
        self.seed = seed
    }

    /// The design's points, each a value per parameter. A grid's last key (in sorted order)
    /// varies fastest; a design without parameters is one empty point.
    public func generate() -> [[String: SweepValue]] {
        let keys = parameters.keys.sorted()
        switch kind {
        case .grid:
            var points: [[String: SweepValue]] = [[:]]
            for key in keys {
                guard case let .values(values)? = parameters[key] else { continue }
                points = points.flatMap { point in values.map { point.merging([key: $0]) { $1 } } }
            }
            return points
        case .random, .latinHypercube:
            var rng = SeededGenerator(seed: seed)
            var points = [[String: SweepValue]](repeating: [:], count: points)
            for key in keys {
                guard let domain = parameters[key] else { continue }
                let strata = kind == .latinHypercube ? Array(0..<points.count).shuffled(using: &rng) : []
                for i in points.indices {
                    let u = kind == .latinHypercube ? (Double(strata[i]) + rng.uniform()) / Double(points.count) : rng.uniform()
                    points[i][key] = domain.value(at: u)
                }
            }
            return points
        }
    }
}
