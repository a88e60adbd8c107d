import CLLN
import Foundation

/// Timing and memory of the SPICE backend (`clln bench solve --backend spice`).
///
/// Networks: periodic L×L lattices driven at four nodes as ``SolveBenchmark/drivenLattice(side:)``
/// (for 16 nodes, exactly the four-state lattice), with outputs at (L/4, L/4), (L/4, 3L/4),
/// (3L/4, L/4), (3L/4, 3L/4) and the four-state encodings as states. Gates are uniform in
/// [1, 5.5] V from a fixed seed. Each figure is a mean over warm solves (the first solve, which
/// compiles and loads the netlist, is reported separately), split into the time inside ngspice's
/// analysis (`op`), the time in its other calls (`alter`, `altermod`, `setcirc`, `destroy all`,
/// loads) and the time in this package's layer (everything else). The batched case solves
/// ``batchPoints`` free phases (the states, cycled) under the same gates as one batch (one `dc`
/// sweep, ``SpiceSolver/solveBatch(parameters:held:warmStarts:)``); its figures are per point.
/// Every case runs on the `op` path (``SpiceSolver/Options/sessions`` `false`): the cases compare
/// how changes reach an `op`; `clln bench spice-scale` times sessions.
public enum SpiceBenchmark {
    /// Runs `memorySolves` solves of the 16-node lattice with new gates every solve, sampling
    /// resident memory after min(5,000, memorySolves) warm-up solves (skipped when 0), then the timing cases for
    /// each lattice size in `sizes` (node counts: squares of a side in ``BenchmarkLattice/sides``;
    /// any other size is a ``BenchmarkError``, thrown before any work). `solves` is the number
    /// of timed solves at 16 nodes; a lattice of N nodes gets max(2, solves · 16 / N).
    /// `progress` receives one line per case.
    public static func run(
        sizes: [Int] = [16, 256, 1024, 4096], solves: Int = 1000, memorySolves: Int = 100_000,
        progress: (String) -> Void = { _ in }
    ) throws -> SpiceBenchmarkReport {
        let lattices = try sizes.map { nodes throws(BenchmarkError) in try lattice(nodes: nodes) }
        // A private copy of the library: the split into ngspice's time and the layer's counts
        // this benchmark's calls only, whatever other threads of the process run on the shared engine.
        let engine = try NgspiceEngine.isolatedCopy()
        let model = try ModelCard.standard()
        // Memory first, so that memory freed by the large cases cannot hide growth.
        let memory = memorySolves > 0 ? try measureMemory(solves: memorySolves, model: model, engine: engine) : nil
        if let memory {
            progress("memory over \(memory.solves) solves: \(memory.residentMiBAtStart) → \(memory.residentMiBAtEnd) MiB")
        }
        var timings: [SpiceBenchmarkReport.Timing] = []
        for (nodes, topology) in zip(sizes, lattices) {
            let count = max(2, solves * 16 / nodes)
            for benchmarkCase in Case.all {
                let timing = try measure(benchmarkCase, topology: topology, model: model, solves: count, engine: engine)
                progress(
                    "\(nodes) nodes, \(timing.scenario), \(timing.updateMode), \(timing.gateStyle): "
                        + "\(format(timing.microsecondsPerSolve)) µs per solve (analysis \(format(timing.analysisMicroseconds)) µs)")
                timings.append(timing)
            }
        }
        return SpiceBenchmarkReport(
            ngspiceVersion: engine.version, linearSolver: engine.linearSolver.rawValue, modelName: model.name,
            spiceOptions: SpiceSolver.defaultSpiceOptions(model: model, linearSolver: engine.linearSolver), timings: timings,
            memory: memory)
    }

    /// The benchmark lattice of `nodes` nodes: ``SolveBenchmark/drivenLattice(side:)`` with four
    /// outputs and the four-state encodings. ``BenchmarkError/latticeSize(_:)`` unless `nodes` is
    /// the square of a side in ``BenchmarkLattice/sides``.
    public static func lattice(nodes: Int) throws(BenchmarkError) -> Topology {
        let side = try BenchmarkLattice.side(nodes: nodes)
        var topology = SolveBenchmark.drivenLattice(side: side)
        let (low, high) = (side / 4, 3 * side / 4)
        topology.outputs = [low * side + low, low * side + high, high * side + low, high * side + high]
        topology.states = TopologyPresets.fourState.states
        return topology
    }

    /// Points of the batched case: the four states' free phases, five times over.
    public static let batchPoints = 20

    // MARK: Cases

    private enum Scenario: String {
        case newGatesAndInputs = "new gates and inputs every solve"
        case newInputs = "new inputs, same gates"
        case freeClampedAlternating = "free and clamped phases alternating, same gates"
        case freePhasesBatched = "free phases as one batch (dc sweep), same gates"
    }

    private struct Case {
        var scenario: Scenario
        var updateMode: SpiceUpdateMode
        var gateStyle: GateStyle

        static let all = [
            Case(scenario: .newGatesAndInputs, updateMode: .batched, gateStyle: .thresholdPerEdge),
            Case(scenario: .newGatesAndInputs, updateMode: .onePerCommand, gateStyle: .thresholdPerEdge),
            Case(scenario: .newGatesAndInputs, updateMode: .batched, gateStyle: .sources),
            Case(scenario: .newGatesAndInputs, updateMode: .reload, gateStyle: .thresholdPerEdge),
            Case(scenario: .newInputs, updateMode: .batched, gateStyle: .thresholdPerEdge),
            Case(scenario: .freeClampedAlternating, updateMode: .batched, gateStyle: .thresholdPerEdge),
            Case(scenario: .freePhasesBatched, updateMode: .batched, gateStyle: .thresholdPerEdge),
        ]
    }

    /// Times `solves` warm solves of the case (the batched case: ⌈solves / ``batchPoints``⌉ batches).
    private static func measure(
        _ benchmarkCase: Case, topology: Topology, model: ModelCard, solves: Int, engine: NgspiceEngine
    ) throws -> SpiceBenchmarkReport.Timing {
        let solver = try SpiceSolver(
            topology: topology, model: model,
            options: .init(gateStyle: benchmarkCase.gateStyle, updateMode: benchmarkCase.updateMode, engine: engine, sessions: false))
        var rng = SeededGenerator(seed: 1)
        let fixedGates = randomGates(topology, &rng)
        func problem(_ i: Int) throws -> (parameters: [Double], held: HeldNodes) {
            let state = i % topology.states.count
            switch benchmarkCase.scenario {
            case .newGatesAndInputs: return (randomGates(topology, &rng), try topology.freeHeld(state: state))
            case .newInputs, .freePhasesBatched: return (fixedGates, try topology.freeHeld(state: state))
            case .freeClampedAlternating:
                let held = i % 2 == 0
                    ? try topology.freeHeld(state: state / 2)
                    : try topology.clampedHeld(state: state / 2, outputValues: topology.outputs.map { _ in rng.uniform() })
                return (fixedGates, held)
            }
        }
        // One round: a solve, or for the batched case a batch. The first round of each held-node
        // set compiles and loads its netlist (a warm-up, timed on its own).
        let pointsPerRound = benchmarkCase.scenario == .freePhasesBatched ? batchPoints : 1
        let batch = pointsPerRound > 1 ? try (0..<pointsPerRound).map { try problem($0).held } : []
        func round(_ i: Int) throws -> () throws -> Void {
            if pointsPerRound > 1 { return { _ = try solver.solveBatch(parameters: fixedGates, held: batch, warmStarts: []) } }
            let (parameters, held) = try problem(i)
            return { _ = try solver.solve(parameters: parameters, held: held) }
        }
        let loadStart = DispatchTime.now().uptimeNanoseconds
        try round(0)()
        let load = DispatchTime.now().uptimeNanoseconds - loadStart
        if benchmarkCase.scenario == .freeClampedAlternating { try round(1)() }

        let rounds = try (1...max(1, (solves + pointsPerRound - 1) / pointsPerRound)).map(round)
        let before = engine.timeSpent
        var durations: [UInt64] = []
        for run in rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            try run()
            durations.append(DispatchTime.now().uptimeNanoseconds - start)
        }
        let after = engine.timeSpent
        let points = rounds.count * pointsPerRound
        let perSolve = { (nanoseconds: UInt64) in Double(nanoseconds) / Double(points) / 1000 }
        let total = perSolve(durations.reduce(0, +))
        let inNgspice = perSolve(after.allCalls - before.allCalls)
        let analysis = perSolve(after.analysis - before.analysis)
        return SpiceBenchmarkReport.Timing(
            nodes: topology.nodeCount, edges: topology.edgeCount, scenario: benchmarkCase.scenario.rawValue,
            updateMode: benchmarkCase.updateMode.rawValue, gateStyle: benchmarkCase.gateStyle.rawValue, solves: points,
            pointsPerBatch: pointsPerRound, firstSolveMilliseconds: Double(load) / 1e6, microsecondsPerSolve: total,
            medianMicrosecondsPerSolve: Double(durations.sorted()[rounds.count / 2]) / Double(pointsPerRound) / 1000,
            analysisMicroseconds: analysis, otherNgspiceMicroseconds: inNgspice - analysis, layerMicroseconds: total - inNgspice)
    }

    private static func measureMemory(solves: Int, model: ModelCard, engine: NgspiceEngine) throws -> SpiceBenchmarkReport.Memory {
        let topology = try lattice(nodes: 16)
        let solver = try SpiceSolver(topology: topology, model: model, options: .init(engine: engine, sessions: false))
        var rng = SeededGenerator(seed: 2)
        func solve(_ i: Int) throws {
            _ = try solver.solve(parameters: randomGates(topology, &rng), held: topology.freeHeld(state: i % topology.states.count))
        }
        // Warm up: the load and ngspice's first allocations (RSS rises ~4 MiB over the first few
        // thousand solves, then stays flat).
        for i in 0..<min(5000, solves) { try solve(i) }
        let start = residentMiB()
        var samples: [Double] = []
        let sampleEvery = max(1, solves / 10)
        let begin = DispatchTime.now().uptimeNanoseconds
        for i in 0..<solves {
            try solve(i)
            if (i + 1) % sampleEvery == 0 { samples.append(residentMiB()) }
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - begin
        return SpiceBenchmarkReport.Memory(
            nodes: topology.nodeCount, solves: solves, residentMiBAtStart: start, residentMiBAtEnd: residentMiB(),
            residentMiBSamples: samples, microsecondsPerSolve: Double(elapsed) / Double(solves) / 1000)
    }

    private static func randomGates(_ topology: Topology, _ rng: inout SeededGenerator) -> [Double] {
        topology.edges.map { _ in rng.uniform(in: 1.0...5.5) }
    }

    /// Resident set size from /proc/self/statm (0 where procfs is missing).
    static func residentMiB() -> Double {
        guard let data = FileHandle(forReadingAtPath: "/proc/self/statm")?.readDataToEndOfFile(),
            let pages = String(decoding: data, as: UTF8.self).split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    private static func format(_ x: Double) -> String { String(format: "%.1f", x) }
}

/// What ``SpiceBenchmark/run(sizes:solves:memorySolves:progress:)`` measured.
public struct SpiceBenchmarkReport: Codable, Sendable {
    /// One case: a lattice size, a scenario and a way of updating values.
    public struct Timing: Codable, Sendable {
        public var nodes: Int
        public var edges: Int
        public var scenario: String
        public var updateMode: String
        public var gateStyle: String
        /// Warm solves timed (for the batched case: points).
        public var solves: Int
        /// Points per batch: 1 (single solves), or ``SpiceBenchmark/batchPoints`` for the batched case.
        public var pointsPerBatch: Int
        /// The first solve (for the batched case, the first batch): compile, load, analysis.
        public var firstSolveMilliseconds: Double
        /// Mean over the warm solves (per point for the batched case); the next three figures add up to it.
        public var microsecondsPerSolve: Double
        /// The median solve (for the batched case, the median batch divided by its points).
        public var medianMicrosecondsPerSolve: Double
        /// Inside ngspice's analysis command: `op`, or the batch's `dc` sweep.
        public var analysisMicroseconds: Double
        /// Inside ngspice's other calls (updates, `setcirc`, `destroy all`, reloads).
        public var otherNgspiceMicroseconds: Double
        /// In this package (validation, command building, reading results, diagnostics).
        public var layerMicroseconds: Double

        enum CodingKeys: String, CodingKey {
            case nodes, edges, scenario, solves
            case pointsPerBatch = "points_per_batch", updateMode = "update_mode", gateStyle = "gate_style"
            case firstSolveMilliseconds = "first_solve_ms", microsecondsPerSolve = "us_per_solve"
            case medianMicrosecondsPerSolve = "median_us_per_solve", analysisMicroseconds = "analysis_us"
            case otherNgspiceMicroseconds = "other_ngspice_us", layerMicroseconds = "layer_us"
        }
    }

    /// Resident memory over many 16-node solves with new gates and inputs every solve.
    public struct Memory: Codable, Sendable {
        public var nodes: Int
        public var solves: Int
        public var residentMiBAtStart: Double
        public var residentMiBAtEnd: Double
        /// Ten samples, evenly spaced over the solves.
        public var residentMiBSamples: [Double]
        public var microsecondsPerSolve: Double

        enum CodingKeys: String, CodingKey {
            case nodes, solves
            case residentMiBAtStart = "resident_mib_start", residentMiBAtEnd = "resident_mib_end"
            case residentMiBSamples = "resident_mib_samples", microsecondsPerSolve = "us_per_solve"
        }
    }

    public var ngspiceVersion: String
    /// ngspice's sparse solver in these runs (``LinearSolver``: "KLU" or "Sparse 1.3").
    public var linearSolver: String
    public var modelName: String
    public var spiceOptions: String
    public var timings: [Timing]
    public var memory: Memory?

    enum CodingKeys: String, CodingKey {
        case ngspiceVersion = "ngspice_version", linearSolver = "linear_solver", modelName = "model", spiceOptions = "spice_options"
        case timings, memory
    }
}
