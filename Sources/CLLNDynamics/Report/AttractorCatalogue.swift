import CLLNReport
import Foundation

/// The paper's Appendix D question for untrained communities: from random starts, how often does
/// a generalized Lotka–Volterra community (``LotkaVolterraNetwork``, αᵢⱼ ~ U(0, 2μ), μ = 1, the
/// glv-target set-up) end on a fixed point rather than a fluctuating attractor?
///
/// Per community and start x₀ ~ U(0, 1)ᴺ: integrate adaptively to `horizon`, sample the last 20 %
/// at 101 times; the run is *fluctuating* if some species varies by more than
/// ``fluctuationTolerance`` over that window, else a fixed point. Distinct fixed points are end
/// states more than 0.01 apart (max norm).
public struct AttractorCatalogue: Sendable, Codable {
    /// One community's counts.
    public struct Community: Sendable, Codable {
        public var speciesCount: Int
        public var seed: UInt64
        public var samples: Int
        public var fluctuating: Int
        public var distinctFixedPoints: Int

        enum CodingKeys: String, CodingKey {
            case seed, samples, fluctuating
            case speciesCount = "species_count", distinctFixedPoints = "distinct_fixed_points"
        }
    }

    public static let fluctuationTolerance = 1e-3
    public var horizon: Double
    public var communities: [Community]

    /// Catalogues `communities` communities (seeds 1…) of each size in `speciesCounts`.
    /// - Throws: ``DynamicsError/invalidArgument(_:)`` for empty sizes, sizes < 2, no samples or a
    ///   non-positive horizon; integration errors as they come.
    public static func run(speciesCounts: [Int], communities: Int, samples: Int, horizon: Double) throws -> AttractorCatalogue {
        guard !speciesCounts.isEmpty, speciesCounts.allSatisfy({ $0 >= 2 }), communities >= 1, samples >= 1, horizon > 0 else {
            throw DynamicsError.invalidArgument("attractor catalogue needs species counts ≥ 2, ≥ 1 community and sample, a positive horizon")
        }
        let rows = try speciesCounts.flatMap { count in
            try (1...UInt64(communities)).map { seed -> Community in
                var generator = SplitMix64(seed: seed)
                let system = LotkaVolterraNetwork(speciesCount: count)
                let parameters = (0..<system.parameterCount).map { _ in generator.uniform(0, 2) }
                let times = [0] + (0...100).map { horizon * (0.8 + 0.002 * Double($0)) }
                var fluctuating = 0
                var fixedPoints: [[Double]] = []
                for _ in 0..<samples {
                    let start = (0..<count).map { _ in generator.uniform() }
                    var field = AutonomousField(system: system, parameters: parameters)
                    let (run, _) = try DormandPrince54(relativeTolerance: 1e-8, absoluteTolerance: 1e-10).solve(&field, initial: start, times: times)
                    let spread = (0..<count).map { species in
                        let values = (1..<run.count).map { run[$0, species] }
                        return (values.max() ?? 0) - (values.min() ?? 0)
                    }.max() ?? 0
                    if spread > fluctuationTolerance {
                        fluctuating += 1
                    } else {
                        let end = run.state(at: run.count - 1)
                        if !fixedPoints.contains(where: { zip($0, end).allSatisfy { abs($0 - $1) < 0.01 } }) { fixedPoints.append(end) }
                    }
                }
                return Community(speciesCount: count, seed: seed, samples: samples, fluctuating: fluctuating,
                                 distinctFixedPoints: fixedPoints.count)
            }
        }
        return AttractorCatalogue(horizon: horizon, communities: rows)
    }

    /// Writes `summary.json`, `attractors.csv` and `attractors.svg` (share of starts ending on a
    /// fluctuating attractor, per community, grouped by size) into `directory`.
    @discardableResult
    public func writeReport(to directory: URL) throws -> [URL] {
        var table = CSVTable(header: ["species_count", "seed", "samples", "fluctuating", "fluctuating_share", "distinct_fixed_points"])
        for c in communities {
            table.append(["\(c.speciesCount)", "\(c.seed)", "\(c.samples)", "\(c.fluctuating)",
                          "\(Double(c.fluctuating) / Double(c.samples))", "\(c.distinctFixedPoints)"])
        }
        let seeds = Array(Set(communities.map(\.seed))).sorted(), sizes = Array(Set(communities.map(\.speciesCount))).sorted()
        let chart = BarChart(
            title: "untrained gLV communities (αᵢⱼ ~ U(0, 2)): share of random starts on a fluctuating attractor",
            yLabel: "fluctuating share", categories: sizes.map { "N = \($0)" },
            groups: seeds.map { seed in
                BarGroup(name: "community \(seed)", values: sizes.map { size in
                    communities.first { $0.speciesCount == size && $0.seed == seed }.map { Double($0.fluctuating) / Double($0.samples) } ?? .nan
                })
            })
        return try writeFiles([
            ("summary.json", try JSONOutput.encode(self)),
            ("attractors.csv", Data(table.text.utf8)),
            ("attractors.svg", Data(chart.svg().utf8)),
        ], to: directory)
    }
}
