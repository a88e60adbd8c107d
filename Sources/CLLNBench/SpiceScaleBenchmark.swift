import CLLN
import Foundation

/// Transistor-level training at scale (`clln bench spice-scale`): the cost of one coupled-learning
/// update per example — free solve, clamped solve, gate update — on networks from 18 to ~100,000
/// edges, on each model card and on the idealized solver.
///
/// Networks, per size n (edges E = 2n²): the n×n periodic lattice driven at four nodes as
/// ``SolveBenchmark/drivenLattice(side:)`` with outputs at (3n/4, n/4) and (3n/4, 3n/4); and the
/// layered dense network [n, n, n] with the first layer as inputs and two nodes of the last as
/// outputs. Example k holds the inputs at seeded uniform values in [0, 1] and has targets in
/// [0.2, 0.8]; gates start uniform in [1.5, 3] V. An update is the library's rule
/// (``LocalRuleAccumulator``, α = 1, η = 0.5, batch 1, clip 0.05): it changes every gate, so every
/// update sends every gate to both the free and the clamped circuit (``SpiceSolver`` sends only
/// values that differ from what ngspice holds; here that is all of them, the worst case).
/// SPICE solvers are built as a training run builds them (``SolverBackend``, no diagnostics): the
/// per-edge threshold form where the card allows it, `klu` where the library has it. The idealized
/// solver warm-starts the clamped phase from the free one and the next free phase from the last.
///
/// Timing: the first update (compile, load, first analyses) is reported on its own; the mean of
/// the next `updates` is split into ngspice's analyses (`op`), its other calls (`altermod`,
/// `alter`, `setcirc`, `destroy all`) and this package's layer. The batched row times
/// ``batchPoints`` free phases under the same gates as one `dc` sweep
/// (``SpiceSolver/solveBatch(parameters:held:warmStarts:)``), per point, after a warm-up batch.
public enum SpiceScaleBenchmark {
    /// Network families.
    public enum Family: String, Codable, Sendable, CaseIterable {
        case lattice
        case dense
    }

    /// Sizes timed by default (edges; E = 2n²: n = 3, 10, 20, 40, 100, 224).
    public static let defaultEdges = [18, 200, 800, 3200, 20_000, 100_352]
    /// Sizes of `--quick`.
    public static let quickEdges = [18, 200]
    /// The growth exponent is fitted over the sizes in this range.
    public static let growthRange = 3200...100_352
    /// Points of the batched row.
    public static let batchPoints = 8
    /// The largest n (E = 2n² = 320,000 edges).
    public static let sides = 3...400

    /// n for a size of `edges` = 2n² edges; ``BenchmarkError/scaleSize(_:)`` otherwise.
    public static func side(edges: Int) throws(BenchmarkError) -> Int {
        guard edges >= 2 * sides.lowerBound * sides.lowerBound, edges <= 2 * sides.upperBound * sides.upperBound else {
            throw .scaleSize(edges)
        }
        let n = Int((Double(edges) / 2).squareRoot().rounded())
        guard 2 * n * n == edges else { throw .scaleSize(edges) }
        return n
    }

    /// The network of `family` and side `n` (see the type's documentation).
    public static func network(_ family: Family, side n: Int) -> Topology {
        switch family {
        case .lattice:
            var t = SolveBenchmark.drivenLattice(side: n)
            let (row, low, high) = (3 * n / 4, n / 4, 3 * n / 4)
            t.outputs = [row * n + low, row * n + high]
            return t
        case .dense:
            return Generators.layeredDense(layers: [n, n, n], inputs: Array(0..<n), outputs: [2 * n, 3 * n - 1])
        }
    }

    /// Times `updates` updates per size, family and backend (`models` on SPICE, then the idealized
    /// solver when `ideal`), plus a batched row per SPICE case; then, when `memoryUpdates` > 0,
    /// that many updates on the 3,200-edge lattice on the first model, sampling resident memory.
    /// Sizes are checked before any work (``BenchmarkError``). `progress` gets one line per row;
    /// `rowFinished` the report so far (``SpiceScaleReport/complete`` false) after each row, so
    /// that a long run interrupted keeps its finished rows.
    public static func run(
        edges: [Int] = defaultEdges, families: [Family] = Family.allCases, models: [String] = ["nmos-ideal", "ald1106"],
        ideal: Bool = true, updates: Int = 20, memoryUpdates: Int = 0, sessions: Bool? = nil, batch: Bool = true,
        progress: (String) -> Void = { _ in }, rowFinished: (SpiceScaleReport) throws -> Void = { _ in }
    ) throws -> SpiceScaleReport {
        let sides = try edges.map { e throws(BenchmarkError) in try side(edges: e) }
        let cards = try models.map { try SolverBackend(kind: .spice, model: $0).modelCard() }
        let engine = try NgspiceEngine.shared()
        var rows: [SpiceScaleReport.Row] = []
        func report(memory: SpiceScaleReport.Memory?, complete: Bool) throws -> SpiceScaleReport {
            SpiceScaleReport(
                ngspiceVersion: engine.version, linearSolver: engine.linearSolver.rawValue,
                spiceOptions: SpiceSolver.defaultSpiceOptions(model: try ModelCard.standard(), linearSolver: engine.linearSolver),
                rows: rows, growth: growth(rows), memory: memory, complete: complete)
        }
        for n in sides {
            for family in families {
                let topology = network(family, side: n)
                for card in cards {
                    var options = SpiceSolver.Options(engine: engine, diagnostics: false)
                    options.sessions = sessions
                    let solver = try SpiceSolver(topology: topology, model: card, options: options)
                    let row = try measure(
                        solver, name: card.name, topology: topology, family: family, updates: updates, engine: batch ? engine : nil)
                    progress(row.summary)
                    rows.append(row)
                    try rowFinished(try report(memory: nil, complete: false))
                }
                if ideal {
                    var options = IdealSolver.Options()
                    options.diagnostics = false
                    let solver = try IdealSolver(topology: topology, options: options)
                    let row = try measure(solver, name: "ideal", topology: topology, family: family, updates: updates, engine: nil)
                    progress(row.summary)
                    rows.append(row)
                    try rowFinished(try report(memory: nil, complete: false))
                }
            }
        }
        var memory: SpiceScaleReport.Memory?
        if memoryUpdates > 0, let card = cards.first {
            memory = try measureMemory(card: card, updates: memoryUpdates, engine: engine, sessions: sessions)
            if let m = memory { progress(String(format: "memory over %d updates: %.1f → %.1f MiB", m.updates, m.residentMiBAtStart, m.residentMiBAtEnd)) }
        }
        return try report(memory: memory, complete: true)
    }

    /// Least-squares slope of log(ms per update) against log(edges) over ``growthRange``, per
    /// family and backend with at least two sizes there: of wall time, and of processor time
    /// (less disturbed by other jobs on a shared machine).
    static func growth(_ rows: [SpiceScaleReport.Row]) -> [SpiceScaleReport.Growth] {
        let keys = rows.map { [$0.family, $0.backend] }.reduce(into: [[String]]()) { if !$0.contains($1) { $0.append($1) } }
        return keys.compactMap { key in
            let rows = rows.filter { [$0.family, $0.backend] == key }
            guard let wall = SolveBenchmark.growth(of: rows, within: growthRange, edges: \.edges, milliseconds: \.millisecondsPerUpdate),
                  let cpu = SolveBenchmark.growth(of: rows, within: growthRange, edges: \.edges, milliseconds: \.processorMillisecondsPerUpdate)
            else { return nil }
            return SpiceScaleReport.Growth(family: key[0], backend: key[1], edges: wall.edges, exponent: wall.exponent, processorExponent: cpu.exponent)
        }
    }

    // MARK: Measuring

    private struct Example {
        var free: HeldNodes
        var targets: [Double]
    }

    private static let rule = CoupledLearningRule(alpha: 1, eta: 0.5, batchSize: 1, updateClip: 0.05)

    private static func examples(_ topology: Topology, count: Int, seed: UInt64) -> [Example] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            Example(free: HeldNodes(nodes: topology.inputs, values: topology.inputs.map { _ in rng.uniform() }),
                    targets: topology.outputs.map { _ in rng.uniform(in: 0.2...0.8) })
        }
    }

    /// One update: free solve, clamped solve (warm-started from the free solution), rule applied.
    private static func update(
        _ solver: any EquilibriumSolver, topology: Topology, gates: inout [Double], example: Example,
        previousFree: inout [Double]?
    ) throws {
        let free = try solver.voltagesRetryingCold(parameters: gates, held: example.free, warmStart: previousFree)
        let nudged = rule.clampValues(free: topology.outputs.map { free[$0] }, labels: example.targets)
        let clampedHeld = HeldNodes(nodes: example.free.nodes + topology.outputs, values: example.free.values + nudged)
        let clamped = try solver.voltagesRetryingCold(parameters: gates, held: clampedHeld, warmStart: free)
        var accumulator = LocalRuleAccumulator(edgeCount: topology.edgeCount)
        accumulator.accumulate(topology: topology, parameters: gates, free: free, clamped: clamped, rule: rule)
        accumulator.apply(to: &gates, topology: topology, rule: rule)
        previousFree = free
    }

    private static func measure(
        _ solver: any EquilibriumSolver, name: String, topology: Topology, family: Family, updates: Int, engine: NgspiceEngine?
    ) throws -> SpiceScaleReport.Row {
        var rng = SeededGenerator(seed: 3)
        var gates = topology.edges.map { _ in rng.uniform(in: 1.5...3) }
        let data = examples(topology, count: max(updates + 1, batchPoints), seed: 4)
        var previous: [Double]?
        let spice = solver as? SpiceSolver
        let countsAtStart = spice?.sessionPointCounts ?? .init()
        let first = try BenchClock.milliseconds { try update(solver, topology: topology, gates: &gates, example: data[0], previousFree: &previous) }
        let countsAfterFirst = spice?.sessionPointCounts ?? .init()
        let before = spice?.timeSpentInNgspice
        var durations: [Double] = []
        let cpuStart = BenchClock.processorMilliseconds()
        for k in 1...max(1, updates) {
            durations.append(try BenchClock.milliseconds {
                try update(solver, topology: topology, gates: &gates, example: data[k % data.count], previousFree: &previous)
            })
        }
        let cpu = (BenchClock.processorMilliseconds() - cpuStart) / Double(max(1, updates))
        let after = spice?.timeSpentInNgspice
        let firstCounts = countsAfterFirst.since(countsAtStart)
        let timedCounts = (spice?.sessionPointCounts ?? .init()).since(countsAfterFirst)
        let count = Double(durations.count)
        let mean = durations.reduce(0, +) / count
        let inside = { (a: UInt64?, b: UInt64?) in a.flatMap { a in b.map { Double($0 - a) / 1e6 / count } } }
        let analysis = inside(before?.analysis, after?.analysis)
        let allCalls = inside(before?.allCalls, after?.allCalls)
        var batchFirst: Double?
        var batchPerPoint: Double?
        if engine != nil {
            let held = data.prefix(batchPoints).map(\.free)
            batchFirst = try BenchClock.milliseconds { _ = try solver.solveBatch(parameters: gates, held: held, warmStarts: []) }
            batchPerPoint = try BenchClock.milliseconds { _ = try solver.solveBatch(parameters: gates, held: held, warmStarts: []) } / Double(batchPoints)
        }
        return SpiceScaleReport.Row(
            family: family.rawValue, backend: name,
            gateStyle: spice.map { $0.usesSessions ? "session" : $0.netlistOptions.gateStyle.rawValue },
            nodes: topology.nodeCount, edges: topology.edgeCount, updates: durations.count, firstUpdateMilliseconds: first,
            millisecondsPerUpdate: mean, medianMillisecondsPerUpdate: durations.sorted()[durations.count / 2],
            processorMillisecondsPerUpdate: cpu,
            analysisMilliseconds: analysis, otherNgspiceMilliseconds: allCalls.flatMap { all in analysis.map { max(0, all - $0) } },
            firstBatchMilliseconds: batchFirst, batchMillisecondsPerPoint: batchPerPoint, residentMiB: SpiceBenchmark.residentMiB(),
            firstUpdateNewtonIterations: spice?.usesSessions == true ? firstCounts.firstPointIterations + firstCounts.iterations : nil,
            newtonIterationsPerPoint: spice?.usesSessions == true && timedCounts.points > 0
                ? Double(timedCounts.iterations + timedCounts.firstPointIterations) / Double(timedCounts.points + timedCounts.firstPoints) : nil)
    }

    private static func measureMemory(card: ModelCard, updates: Int, engine: NgspiceEngine, sessions: Bool?) throws -> SpiceScaleReport.Memory {
        let topology = network(.lattice, side: 40)
        var options = SpiceSolver.Options(engine: engine, diagnostics: false)
        options.sessions = sessions
        let solver = try SpiceSolver(topology: topology, model: card, options: options)
        var rng = SeededGenerator(seed: 5)
        var gates = topology.edges.map { _ in rng.uniform(in: 1.5...3) }
        let data = examples(topology, count: 64, seed: 6)
        var previous: [Double]?
        // Warm-up: the loads and ngspice's first allocations.
        for k in 0..<min(200, updates) {
            try update(solver, topology: topology, gates: &gates, example: data[k % 64], previousFree: &previous)
        }
        let start = SpiceBenchmark.residentMiB()
        var samples: [Double] = []
        let every = max(1, updates / 10)
        let elapsed = try BenchClock.milliseconds {
            for k in 0..<updates {
                try update(solver, topology: topology, gates: &gates, example: data[k % 64], previousFree: &previous)
                if (k + 1) % every == 0 { samples.append(SpiceBenchmark.residentMiB()) }
            }
        }
        return SpiceScaleReport.Memory(
            backend: card.name, edges: topology.edgeCount, updates: updates, residentMiBAtStart: start, residentMiBAtEnd: SpiceBenchmark.residentMiB(),
            residentMiBSamples: samples, millisecondsPerUpdate: elapsed / Double(updates))
    }
}

/// What ``SpiceScaleBenchmark/run(edges:families:models:ideal:updates:memoryUpdates:progress:)`` measured.
public struct SpiceScaleReport: Codable, Sendable {
    /// One network size, family and backend.
    public struct Row: Codable, Sendable {
        public var family: String
        /// A model card's name (SPICE) or `ideal`.
        public var backend: String
        /// The SPICE netlist form (`thresholdPerEdge` or `sources`); nil for the idealized solver.
        public var gateStyle: String?
        public var nodes: Int
        public var edges: Int
        /// Updates timed after the first.
        public var updates: Int
        /// The first update: compile and load both circuits, first analyses.
        public var firstUpdateMilliseconds: Double
        /// Mean of the timed updates (free solve + clamped solve + gate update).
        public var millisecondsPerUpdate: Double
        public var medianMillisecondsPerUpdate: Double
        /// CPU time of the process per timed update (less disturbed by other jobs than wall time).
        public var processorMillisecondsPerUpdate: Double
        /// Per update, inside ngspice's `op`s (SPICE only).
        public var analysisMilliseconds: Double?
        /// Per update, inside ngspice's other calls: sending gates and held values, `setcirc`, `destroy all`.
        /// At least 0: a session sends no other command, and its analysis timer encloses the
        /// call timer, whose difference (a few ns, negative) is reported as 0.
        public var otherNgspiceMilliseconds: Double?
        /// The first batch of ``SpiceScaleBenchmark/batchPoints`` free phases (loads the sweep circuit).
        public var firstBatchMilliseconds: Double?
        /// A warm batch of free phases as one `dc` sweep, per point.
        public var batchMillisecondsPerPoint: Double?
        /// Resident memory of the process after the row.
        public var residentMiB: Double
        /// Sessions only: Newton iterations (matrix loads) of the first update's points, most of
        /// them the cold first points of the free and the clamped session.
        public var firstUpdateNewtonIterations: Int?
        /// Sessions only: Newton iterations per point (a free or a clamped solve) over the timed
        /// updates; `analysisMilliseconds` / (2 × this) is the cost of one iteration.
        public var newtonIterationsPerPoint: Double?

        var summary: String {
            let split = analysisMilliseconds.map { String(format: " (op %.2f, other ngspice %.2f)", $0, otherNgspiceMilliseconds ?? 0) } ?? ""
            let batch = batchMillisecondsPerPoint.map { String(format: ", batched free phase %.2f ms/point", $0) } ?? ""
            let newton = newtonIterationsPerPoint.map { String(format: ", %.1f Newton iterations/point (first update %d)", $0, firstUpdateNewtonIterations ?? 0) } ?? ""
            return "\(family) \(edges) edges, \(backend)\(gateStyle.map { " (\($0))" } ?? ""): "
                + String(format: "%.2f ms/update (cpu %.2f)%@ first %.0f ms%@, %.0f MiB", millisecondsPerUpdate, processorMillisecondsPerUpdate, split, firstUpdateMilliseconds, batch, residentMiB) + newton
        }

        enum CodingKeys: String, CodingKey {
            case family, backend, nodes, edges, updates, gateStyle = "gate_style"
            case firstUpdateMilliseconds = "first_update_ms", millisecondsPerUpdate = "ms_per_update"
            case medianMillisecondsPerUpdate = "median_ms_per_update", analysisMilliseconds = "analysis_ms"
            case processorMillisecondsPerUpdate = "cpu_ms_per_update"
            case otherNgspiceMilliseconds = "other_ngspice_ms", firstBatchMilliseconds = "first_batch_ms"
            case batchMillisecondsPerPoint = "batch_ms_per_point", residentMiB = "resident_mib"
            case firstUpdateNewtonIterations = "first_update_newton_iterations", newtonIterationsPerPoint = "newton_iterations_per_point"
        }
    }

    /// Time ~ edges^exponent over ``SpiceScaleBenchmark/growthRange``.
    public struct Growth: Codable, Sendable {
        public var family: String
        public var backend: String
        public var edges: [Int]
        /// Of wall time.
        public var exponent: Double
        /// Of processor time.
        public var processorExponent: Double

        enum CodingKeys: String, CodingKey {
            case family, backend, edges, exponent, processorExponent = "cpu_exponent"
        }
    }

    /// Resident memory over many updates on the 3,200-edge lattice.
    public struct Memory: Codable, Sendable {
        public var backend: String
        public var edges: Int
        public var updates: Int
        public var residentMiBAtStart: Double
        public var residentMiBAtEnd: Double
        /// Ten samples, evenly spaced over the updates.
        public var residentMiBSamples: [Double]
        public var millisecondsPerUpdate: Double

        enum CodingKeys: String, CodingKey {
            case backend, edges, updates
            case residentMiBAtStart = "resident_mib_start", residentMiBAtEnd = "resident_mib_end"
            case residentMiBSamples = "resident_mib_samples", millisecondsPerUpdate = "ms_per_update"
        }
    }

    public var ngspiceVersion: String
    /// ngspice's sparse solver in these runs: "KLU" or "Sparse 1.3".
    public var linearSolver: String
    /// The solvers' `.options` (with `nmos-ideal`; other cards the same).
    public var spiceOptions: String
    public var rows: [Row]
    public var growth: [Growth]
    public var memory: Memory?
    /// False in the reports written after each row while the run goes on (its rows so far).
    public var complete: Bool

    enum CodingKeys: String, CodingKey {
        case ngspiceVersion = "ngspice_version", linearSolver = "linear_solver", spiceOptions = "spice_options"
        case rows, growth, memory, complete
    }
}
