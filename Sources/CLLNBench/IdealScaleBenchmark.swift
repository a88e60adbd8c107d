import CLLN
import Foundation

/// The idealized solver at scale (`clln bench ideal-scale`): the cost of one coupled-learning
/// update per example — free solve, clamped solve, gate update — on the networks of
/// ``SpiceScaleBenchmark`` (periodic n×n lattices and layered dense [n, n, n] networks, E = 2n²
/// edges), and resident memory over many updates.
///
/// An update is what supervised training (`SupervisedTrainer`) does per example: the free phase
/// warm-started from the same example's previous free solution, the clamped phase (outputs
/// nudged with η = 0.5) from this free solution, then the local rule (α = 1, batch 1, clip
/// 0.05) changes every gate. The learner cycles over a data set of ``examples`` random examples;
/// its first epoch (symbolic analyses, first factorizations, and each example's first, cold
/// free solve, or with ``WarmStart/previousUpdate`` its start from the previous update) is untimed — reported as ``IdealScaleReport/Row/firstUpdateMilliseconds`` and
/// ``IdealScaleReport/Row/firstEpochMilliseconds`` — and the timed updates continue the cycle,
/// so every timed free phase starts from its example's solution one epoch of gate updates ago
/// (``IdealScaleReport/warmStart``). With ``WarmStart/previousUpdate`` (the figures before
/// issue #15) the free phase starts instead from the previous update's free solution, a
/// different example's (~0.25 V away on the lattice). The solver is built as a training run
/// builds it (no diagnostics).
public enum IdealScaleBenchmark {
    /// Sizes timed by default (edges; n = 20, 40, 100, 224).
    public static let defaultEdges = [800, 3200, 20_000, 100_352]
    /// Sizes of `--quick`.
    public static let quickEdges = [800, 3200, 7200]
    /// The growth exponent is fitted over the sizes in this range.
    public static let growthRange = 3200...100_352
    /// The memory run's network: the 40×40 lattice (3,200 edges).
    public static let memorySide = 40
    /// Examples in the data set the learner cycles over.
    public static let examples = 64

    /// Where a timed update's free phase starts.
    public enum WarmStart: String, Codable, Sendable, CaseIterable {
        /// The same example's free solution of the previous epoch (what training does).
        case perExample = "per-example"
        /// The previous update's free solution (another example's).
        case previousUpdate = "previous-update"
    }

    /// Times `updates` updates per size and family; then, when `memoryUpdates` > 0, that many
    /// updates on the 3,200-edge lattice, sampling resident memory. Sizes are checked before any
    /// work (``BenchmarkError``). `progress` gets one line per row; `rowFinished` the report so
    /// far (``IdealScaleReport/complete`` false) after each row, so that a long run interrupted
    /// keeps its finished rows.
    public static func run(
        edges: [Int] = defaultEdges, families: [SpiceScaleBenchmark.Family] = SpiceScaleBenchmark.Family.allCases,
        updates: Int = 20, memoryUpdates: Int = 0, warmStart: WarmStart = .perExample, progress: (String) -> Void = { _ in },
        rowFinished: (IdealScaleReport) throws -> Void = { _ in }
    ) throws -> IdealScaleReport {
        let sides = try edges.map { e throws(BenchmarkError) in try SpiceScaleBenchmark.side(edges: e) }
        var rows: [IdealScaleReport.Row] = []
        for n in sides {
            for family in families {
                let row = try measure(
                    SpiceScaleBenchmark.network(family, side: n), family: family, updates: max(1, updates), warmStart: warmStart)
                progress(row.summary)
                rows.append(row)
                try rowFinished(IdealScaleReport(
                    warmStart: warmStart, examples: examples, rows: rows, growth: growth(rows), memory: nil, complete: false))
            }
        }
        var memory: IdealScaleReport.Memory?
        if memoryUpdates > 0 {
            let m = try measureMemory(updates: memoryUpdates, warmStart: warmStart)
            progress(String(format: "memory over %d updates: %.1f → %.1f MiB", m.updates, m.residentMiBAtStart, m.residentMiBAtEnd))
            memory = m
        }
        return IdealScaleReport(warmStart: warmStart, examples: examples, rows: rows, growth: growth(rows), memory: memory, complete: true)
    }

    /// Least-squares slope of log(ms per update) against log(edges) over ``growthRange``, per family.
    static func growth(_ rows: [IdealScaleReport.Row]) -> [IdealScaleReport.Growth] {
        SpiceScaleBenchmark.Family.allCases.compactMap { family in
            SolveBenchmark.growth(
                of: rows.filter { $0.family == family.rawValue }, within: growthRange, edges: \.edges, milliseconds: \.millisecondsPerUpdate
            ).map { IdealScaleReport.Growth(family: family.rawValue, edges: $0.edges, exponent: $0.exponent) }
        }
    }

    // MARK: Measuring

    /// One learner on one network: its solver, gates, examples and their warm starts.
    private struct Learner {
        let topology: Topology
        let solver: IdealSolver
        var gates: [Double]
        let inputs: [[Double]]
        let targets: [[Double]]
        let warmStart: WarmStart
        /// Per example, its last free solution; the last update's free solution.
        var freeSolutions: [[Double]?]
        var previousFree: [Double]?
        var accumulator: LocalRuleAccumulator
        var iterations = (free: 0, clamped: 0)
        static let rule = CoupledLearningRule(alpha: 1, eta: 0.5, batchSize: 1, updateClip: 0.05)

        init(topology: Topology, seed: UInt64, examples: Int, warmStart: WarmStart) throws {
            self.topology = topology
            self.warmStart = warmStart
            freeSolutions = [[Double]?](repeating: nil, count: examples)
            var options = IdealSolver.Options()
            options.diagnostics = false
            solver = try IdealSolver(topology: topology, options: options)
            var rng = SeededGenerator(seed: seed)
            gates = topology.edges.map { _ in rng.uniform(in: 1.5...3) }
            inputs = (0..<examples).map { _ in topology.inputs.map { _ in rng.uniform() } }
            targets = (0..<examples).map { _ in topology.outputs.map { _ in rng.uniform(in: 0.2...0.8) } }
            accumulator = LocalRuleAccumulator(edgeCount: topology.edgeCount)
        }

        mutating func update(example k: Int) throws {
            let k = k % inputs.count
            let held = HeldNodes(nodes: topology.inputs, values: inputs[k])
            let start = warmStart == .perExample ? freeSolutions[k] : previousFree
            let free = try solver.solveRetryingCold(parameters: gates, held: held, warmStart: start)
            let nudged = Self.rule.clampValues(free: topology.outputs.map { free.voltages[$0] }, labels: targets[k])
            let clampedHeld = HeldNodes(nodes: topology.inputs + topology.outputs, values: inputs[k] + nudged)
            let clamped = try solver.solveRetryingCold(parameters: gates, held: clampedHeld, warmStart: free.voltages)
            accumulator.accumulate(topology: topology, parameters: gates, free: free.voltages, clamped: clamped.voltages, rule: Self.rule)
            accumulator.apply(to: &gates, topology: topology, rule: Self.rule)
            previousFree = free.voltages
            freeSolutions[k] = free.voltages
            iterations.free += free.iterations
            iterations.clamped += clamped.iterations
        }
    }

    private static func measure(
        _ topology: Topology, family: SpiceScaleBenchmark.Family, updates: Int, warmStart: WarmStart
    ) throws -> IdealScaleReport.Row {
        var learner = try Learner(topology: topology, seed: 3, examples: examples, warmStart: warmStart)
        let first = try BenchClock.milliseconds { try learner.update(example: 0) }
        let rest = try BenchClock.milliseconds { for k in 1..<examples { try learner.update(example: k) } }
        learner.iterations = (0, 0)
        let countsBefore = learner.solver.linearAlgebraCounts
        var durations: [Double] = []
        let cpuStart = BenchClock.processorMilliseconds()
        for k in examples..<(examples + updates) { durations.append(try BenchClock.milliseconds { try learner.update(example: k) }) }
        let cpu = (BenchClock.processorMilliseconds() - cpuStart) / Double(updates)
        let counts = learner.solver.linearAlgebraCounts
        let mean = durations.reduce(0, +) / Double(updates)
        return IdealScaleReport.Row(
            family: family.rawValue, nodes: topology.nodeCount, edges: topology.edgeCount, updates: updates,
            firstUpdateMilliseconds: first, firstEpochMilliseconds: first + rest, millisecondsPerUpdate: mean, medianMillisecondsPerUpdate: durations.sorted()[updates / 2],
            updatesPerSecond: 1000 / mean, processorMillisecondsPerUpdate: cpu, meanFreeIterations: Double(learner.iterations.free) / Double(updates),
            meanClampedIterations: Double(learner.iterations.clamped) / Double(updates),
            factorizationsPerUpdate: Double(counts.factorizations - countsBefore.factorizations) / Double(updates),
            solvesPerUpdate: Double(counts.solves - countsBefore.solves) / Double(updates), residentMiB: SpiceBenchmark.residentMiB())
    }

    private static func measureMemory(updates: Int, warmStart: WarmStart) throws -> IdealScaleReport.Memory {
        let topology = SpiceScaleBenchmark.network(.lattice, side: memorySide)
        var learner = try Learner(topology: topology, seed: 5, examples: examples, warmStart: warmStart)
        // Warm-up: the first analyses and the allocator's first pages.
        for k in 0..<min(200, updates) { try learner.update(example: k) }
        let start = SpiceBenchmark.residentMiB()
        var samples: [Double] = []
        let every = max(1, updates / 10)
        let elapsed = try BenchClock.milliseconds {
            for k in 0..<updates {
                try learner.update(example: k)
                if (k + 1) % every == 0 { samples.append(SpiceBenchmark.residentMiB()) }
            }
        }
        return IdealScaleReport.Memory(
            edges: topology.edgeCount, updates: updates, residentMiBAtStart: start, residentMiBAtEnd: SpiceBenchmark.residentMiB(),
            residentMiBSamples: samples, millisecondsPerUpdate: elapsed / Double(updates))
    }
}

/// What ``IdealScaleBenchmark/run(edges:families:updates:memoryUpdates:progress:)`` measured.
public struct IdealScaleReport: Codable, Sendable {
    /// One network size and family.
    public struct Row: Codable, Sendable {
        public var family: String
        public var nodes: Int
        public var edges: Int
        /// Updates timed after the first epoch.
        public var updates: Int
        /// The first update: symbolic analyses, first factorizations, cold solves.
        public var firstUpdateMilliseconds: Double
        /// The untimed first epoch (one update per example, each example's free phase cold or
        /// from the previous update's solution), the first update included.
        public var firstEpochMilliseconds: Double
        /// Mean of the timed updates (free solve + clamped solve + gate update).
        public var millisecondsPerUpdate: Double
        public var medianMillisecondsPerUpdate: Double
        /// 1000 / ``millisecondsPerUpdate``.
        public var updatesPerSecond: Double
        /// Processor time per timed update (user + system, every thread of the process): the
        /// cost without the waiting a shared machine adds to the wall time.
        public var processorMillisecondsPerUpdate: Double
        /// Newton iterations per timed update, free and clamped phase.
        public var meanFreeIterations: Double
        public var meanClampedIterations: Double
        /// LU factorizations per timed update (``IdealSolver/LinearAlgebraCounts``).
        public var factorizationsPerUpdate: Double
        /// Solves with LU factors per timed update: Newton systems on the dense and KLU paths,
        /// GMRES preconditioner applications on the UMFPACK path.
        public var solvesPerUpdate: Double
        /// Resident memory of the process after the row.
        public var residentMiB: Double

        var summary: String {
            "\(family) \(edges) edges: "
                + String(format: "%.2f ms/update (%.1f updates/s, processor %.2f ms/update), Newton %.1f + %.1f, LU %.2f factorizations + %.1f solves, first %.0f ms, %.0f MiB",
                         millisecondsPerUpdate, updatesPerSecond, processorMillisecondsPerUpdate, meanFreeIterations,
                         meanClampedIterations, factorizationsPerUpdate, solvesPerUpdate, firstUpdateMilliseconds, residentMiB)
        }

        enum CodingKeys: String, CodingKey {
            case family, nodes, edges, updates, firstUpdateMilliseconds = "first_update_ms", firstEpochMilliseconds = "first_epoch_ms"
            case millisecondsPerUpdate = "ms_per_update", medianMillisecondsPerUpdate = "median_ms_per_update"
            case updatesPerSecond = "updates_per_s", processorMillisecondsPerUpdate = "cpu_ms_per_update"
            case meanFreeIterations = "free_iterations"
            case meanClampedIterations = "clamped_iterations", factorizationsPerUpdate = "factorizations_per_update"
            case solvesPerUpdate = "solves_per_update", residentMiB = "resident_mib"
        }
    }

    /// Time ~ edges^exponent over ``IdealScaleBenchmark/growthRange``.
    public struct Growth: Codable, Sendable {
        public var family: String
        public var edges: [Int]
        public var exponent: Double
    }

    /// Resident memory over many updates on the 3,200-edge lattice (after 200 warm-up updates).
    public struct Memory: Codable, Sendable {
        public var edges: Int
        public var updates: Int
        public var residentMiBAtStart: Double
        public var residentMiBAtEnd: Double
        /// Ten samples, evenly spaced over the updates.
        public var residentMiBSamples: [Double]
        public var millisecondsPerUpdate: Double

        enum CodingKeys: String, CodingKey {
            case edges, updates
            case residentMiBAtStart = "resident_mib_start", residentMiBAtEnd = "resident_mib_end"
            case residentMiBSamples = "resident_mib_samples", millisecondsPerUpdate = "ms_per_update"
        }
    }

    /// Where the timed updates' free phases start (``IdealScaleBenchmark/WarmStart``).
    public var warmStart: IdealScaleBenchmark.WarmStart
    /// Examples in the data set the updates cycle over (the first epoch is untimed).
    public var examples: Int
    public var rows: [Row]
    public var growth: [Growth]
    public var memory: Memory?
    /// False in the reports written after each row while the run goes on (its rows so far).
    public var complete: Bool

    enum CodingKeys: String, CodingKey {
        case warmStart = "warm_start", examples, rows, growth, memory, complete
    }
}
