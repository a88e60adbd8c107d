import CLLNReport
import Foundation

/// The paper's Appendix B, Fig. 11b: alignment of the local rule with the forward supervisor
/// against the exact gradient in a linear network dx/dt = A x, as a function of the share s of
/// symmetric couplings and of the time horizon T.
///
/// Per sample: M ~ N(0, 1)^(N×N), A = s Ŝ + (1 − s) Â with Ŝ, Â the symmetric and antisymmetric
/// parts of M each scaled to unit Frobenius norm; x₀ and the target x* ~ N(0, 1)^N. The task is
/// allostery-like: every node must match x* at time T (a unit-area Gaussian window of width
/// `pulseWidth` at T). The episode lasts 2T, so the supervisor's forward window equals the
/// gradient's backward window (τ_f = τ_b = T, the choice that cancels the first term of Eq. 43).
/// The tunable parameters are the N² entries of A. Alignment = cos(Δθ_local, −∇C) at η = `nudge`.
public struct SymmetryStudy: Sendable, Codable {
    /// Mean, standard deviation and share of positive alignments at one (share, horizon) cell.
    public struct Cell: Sendable, Codable {
        public var symmetricShare: Double
        public var horizon: Double
        public var mean: Double
        public var standardDeviation: Double
        public var positiveFraction: Double

        enum CodingKeys: String, CodingKey {
            case horizon, mean
            case symmetricShare = "symmetric_share", standardDeviation = "standard_deviation", positiveFraction = "positive_fraction"
        }
    }

    public var nodeCount: Int
    public var samples: Int
    public var seed: UInt64
    public var nudge: Double
    public var cells: [Cell]

    enum CodingKeys: String, CodingKey {
        case samples, seed, nudge, cells
        case nodeCount = "node_count"
    }

    static let pulseWidth = 0.02

    /// Runs the study over every (share, horizon) pair; the same `samples` random matrices and
    /// vectors (drawn from `seed`) are used in every cell.
    /// - Throws: ``DynamicsError/invalidArgument(_:)`` for shares outside [0, 1], non-positive
    ///   horizons, fewer than 2 nodes or no samples.
    public static func run(
        shares: [Double], horizons: [Double], nodeCount: Int = 10, samples: Int = 20, seed: UInt64 = 1, nudge: Double = 1e-3
    ) throws -> SymmetryStudy {
        guard !shares.isEmpty, shares.allSatisfy({ (0...1).contains($0) }) else {
            throw DynamicsError.invalidArgument("symmetric shares must lie in [0, 1], e.g. 0 0.5 1")
        }
        guard !horizons.isEmpty, horizons.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw DynamicsError.invalidArgument("horizons must be positive, e.g. 0.1 0.5 1 2")
        }
        guard nodeCount >= 2, samples >= 1 else {
            throw DynamicsError.invalidArgument("the symmetry study needs ≥ 2 nodes and ≥ 1 sample")
        }
        var generator = SplitMix64(seed: seed)
        let n = nodeCount
        let draws = (0..<samples).map { _ in
            (matrix: (0..<(n * n)).map { _ in generator.normal() },
             start: (0..<n).map { _ in generator.normal() }, target: (0..<n).map { _ in generator.normal() })
        }
        let system = LinearOscillatorNetwork(nodeCount: n, edges: CouplingGraph.complete(nodeCount: n), reciprocal: false, leak: 0)
        let cells = try horizons.flatMap { horizon in
            try shares.map { share -> Cell in
                let values = try draws.map { draw -> Double in
                    let task = DynamicsTask.symmetryProbe(
                        system: system, matrix: interpolated(draw.matrix, n, share), start: draw.start, target: draw.target,
                        horizon: horizon, pulseWidth: pulseWidth, nudge: nudge)
                    return try IterationStep(task: task, parameters: task.initialParameters).alignment
                }
                let finite = values.filter(\.isFinite)
                let mean = finite.reduce(0, +) / Double(max(1, finite.count))
                let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, finite.count - 1))
                return Cell(symmetricShare: share, horizon: horizon, mean: mean, standardDeviation: variance.squareRoot(),
                            positiveFraction: Double(finite.filter { $0 > 0 }.count) / Double(max(1, finite.count)))
            }
        }
        return SymmetryStudy(nodeCount: n, samples: samples, seed: seed, nudge: nudge, cells: cells)
    }

    /// s Ŝ + (1 − s) Â, row-major, with Ŝ = sym(M)/‖sym(M)‖_F and Â = anti(M)/‖anti(M)‖_F.
    static func interpolated(_ m: [Double], _ n: Int, _ share: Double) -> [Double] {
        var symmetric = m, antisymmetric = m
        for i in 0..<n {
            for j in 0..<n {
                symmetric[i * n + j] = 0.5 * (m[i * n + j] + m[j * n + i])
                antisymmetric[i * n + j] = 0.5 * (m[i * n + j] - m[j * n + i])
            }
        }
        let ns = symmetric.reduce(0) { $0 + $1 * $1 }.squareRoot(), na = antisymmetric.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return (0..<(n * n)).map { share * symmetric[$0] / ns + (1 - share) * antisymmetric[$0] / na }
    }

    /// Writes `summary.json`, `alignment_symmetry.csv`, `alignment_vs_share.svg` (one line per
    /// horizon) and `alignment_vs_horizon.svg` (one line per share) into `directory`.
    @discardableResult
    public func writeReport(to directory: URL) throws -> [URL] {
        var table = CSVTable(header: ["symmetric_share", "horizon", "mean", "standard_deviation", "positive_fraction"])
        for cell in cells { table.append([cell.symmetricShare, cell.horizon, cell.mean, cell.standardDeviation, cell.positiveFraction]) }
        let horizons = Array(Set(cells.map(\.horizon))).sorted(), shares = Array(Set(cells.map(\.symmetricShare))).sorted()
        var byShare = LineChart(title: "linear network (N = \(nodeCount)): alignment vs symmetric share", xLabel: "share of symmetric couplings s",
                                yLabel: "cos(Δθ_local, −∇C)")
        byShare.series = horizons.enumerated().map { index, horizon in
            let row = cells.filter { $0.horizon == horizon }.sorted { $0.symmetricShare < $1.symmetricShare }
            return LineSeries(name: "T = \(horizon)", x: row.map(\.symmetricShare), y: row.map(\.mean),
                              color: ColorScale.viridis(Double(index) / Double(max(1, horizons.count - 1))))
        }
        byShare.horizontalLines = [ReferenceLine(value: 0, label: "")]
        var byHorizon = LineChart(title: "linear network (N = \(nodeCount)): alignment vs time horizon", xLabel: "horizon T (τ_f = τ_b = T)",
                                  yLabel: "cos(Δθ_local, −∇C)")
        byHorizon.xLog = true
        byHorizon.series = shares.enumerated().map { index, share in
            let row = cells.filter { $0.symmetricShare == share }.sorted { $0.horizon < $1.horizon }
            return LineSeries(name: "s = \(share)", x: row.map(\.horizon), y: row.map(\.mean),
                              color: ColorScale.viridis(Double(index) / Double(max(1, shares.count - 1))))
        }
        byHorizon.horizontalLines = [ReferenceLine(value: 0, label: "")]
        return try writeFiles([
            ("summary.json", try JSONOutput.encode(self)),
            ("alignment_symmetry.csv", Data(table.text.utf8)),
            ("alignment_vs_share.svg", Data(byShare.svg().utf8)),
            ("alignment_vs_horizon.svg", Data(byHorizon.svg().utf8)),
        ], to: directory)
    }
}

extension DynamicsTask {
    /// One sample of ``SymmetryStudy``: A (row-major, N×N; diagonal on the on-site couplings) as
    /// the parameters of a leak-free non-reciprocal linear network, every node targeted at T.
    static func symmetryProbe(
        system: LinearOscillatorNetwork, matrix: [Double], start: [Double], target: [Double], horizon: Double,
        pulseWidth: Double, nudge: Double
    ) -> DynamicsTask {
        let n = system.stateCount
        var parameters = [Double](repeating: 0, count: system.parameterCount)
        for coupling in system.couplings { parameters[coupling.parameter] = matrix[coupling.target * n + coupling.source] }
        let episode = Episode(
            name: "T = \(horizon)", initialState: start, duration: 2 * horizon,
            targets: (0..<n).map { Target(node: $0, signal: .constant(target[$0]), window: .pulse(center: horizon, width: pulseWidth)) })
        return DynamicsTask(
            name: "symmetry-probe", summary: "linear network, all nodes match a target at T", system: system, seed: 0,
            initialParameters: parameters, episodes: [episode], timeStep: min(0.005, horizon / 20), nudge: nudge, learningRate: 0,
            defaultIterations: 0, nodeNames: (0..<n).map { "x\($0)" }
        ) { _, _ in [:] }
    }
}
