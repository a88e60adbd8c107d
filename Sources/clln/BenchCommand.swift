import ArgumentParser
import CLLN
import CLLNBench
import CLLNReport
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (speed targets live here, not in tests).",
        subcommands: [BenchSolve.self, BenchTrain.self, BenchSpiceScale.self, BenchIdealScale.self])
}

struct BenchSolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve", abstract: "Microseconds per equilibrium solve, small and large networks.")

    @Option(help: "Backend to time: ideal or spice.")
    var backend: SolverBackend.Kind = .ideal

    @Option(
        parsing: .upToNextOption,
        help: "Lattice sizes (nodes, perfect squares L×L with 4 ≤ L ≤ 1024) for the scaling series.")
    var sizes: [Int] = []

    @Flag(help: "A run of a few seconds (fewer solves; lattices of 256 and 1024 nodes, or 16 for spice, unless --sizes).")
    var quick = false

    @Flag(help: "Print a JSON report.")
    var json = false

    @Option(help: "Also write the report as bench-solve.json into this folder.")
    var out: String?

    func validate() throws {
        for nodes in sizes {
            do {
                _ = try BenchmarkLattice.side(nodes: nodes)
            } catch {
                throw badValue("--sizes \(nodes): \(error)")
            }
        }
    }

    func run() throws {
        try Exit.run {
            switch backend {
            case .ideal:
                let report = try SolveBenchmark.run(
                    latticeNodes: sizes.isEmpty ? (quick ? [256, 1024] : [4096, 65_536, 262_144]) : sizes,
                    smallSolves: quick ? 20_000 : 200_000)
                try emit(report) { r in
                    var lines = r.rows.map {
                        $0.case_.padding(toLength: 46, withPad: " ", startingAt: 0)
                            + String(format: " %8d nodes %12.2f us/solve %6.2f iterations  ", $0.nodes, $0.microsecondsPerSolve, $0.meanIterations)
                            + $0.linearAlgebra
                    }
                    if let g = r.growthExponent { lines.append(String(format: "growth exponent (time ~ N^p): p = %.3f", g)) }
                    return lines.joined(separator: "\n")
                }
            case .spice:
                try runSpiceBenchmark()
            }
        }
    }

    /// `--backend spice`: ngspice's analysis time (`op`, or a batch's `dc` sweep per point) and our
    /// layer's, and resident memory.
    private func runSpiceBenchmark() throws {
        let report = try SpiceBenchmark.run(
            sizes: sizes.isEmpty ? (quick ? [16] : [16, 256, 1024, 4096]) : sizes,
            solves: quick ? 20 : 1000, memorySolves: quick ? 100 : 100_000,
            progress: { FileHandle.standardError.write(Data("\($0)\n".utf8)) })
        try emit(report) { r in
            var lines = ["ngspice \(r.ngspiceVersion) (\(r.linearSolver)), model \(r.modelName), options \(r.spiceOptions)"]
            for t in r.timings {
                let analysis = t.pointsPerBatch > 1 ? "dc sweep" : "op"
                lines.append("\(t.nodes) nodes \(t.scenario) \(t.updateMode)/\(t.gateStyle): "
                    + String(format: "%.1f µs/solve (\(analysis) %.1f, other ngspice %.1f, our layer %.1f)",
                             t.microsecondsPerSolve, t.analysisMicroseconds, t.otherNgspiceMicroseconds, t.layerMicroseconds))
            }
            if let m = r.memory {
                lines.append(String(format: "resident memory over %d solves: %.1f → %.1f MiB", m.solves, m.residentMiBAtStart, m.residentMiBAtEnd))
            }
            return lines.joined(separator: "\n")
        }
    }

    func emit<R: Encodable>(_ report: R, text: (R) -> String) throws {
        let data = try JSONOutput.encode(report)
        if let out { try AtomicFile.write(data, to: URL(fileURLWithPath: out).appendingPathComponent("bench-solve.json")) }
        printOut(json ? String(decoding: data, as: UTF8.self) : text(report))
    }
}

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Training steps per second on one core, both presets, ideal backend.")

    @Option(help: "Trials per preset (run one after another on one core; default 3, 1 with --quick).")
    var trials: Int?

    @Flag(help: "A run of a few seconds: at most 10,000 steps per trial, one trial unless --trials.")
    var quick = false

    @Flag(help: "Print a JSON report.")
    var json = false

    @Option(help: "Also write the report as bench-train.json into this folder.")
    var out: String?

    struct Row: Codable {
        var preset: String
        var steps: Int
        var trials: Int
        var stepsPerSecond: Double
        var solvesPerStep: Double
        enum CodingKeys: String, CodingKey {
            case preset, steps, trials, stepsPerSecond = "steps_per_s", solvesPerStep = "solves_per_step"
        }
    }

    func validate() throws {
        if let trials, trials < 1 { throw badValue("--trials \(trials): give at least 1 trial per preset") }
    }

    func run() throws {
        try Exit.run {
            let trials = trials ?? (quick ? 1 : 3)
            var rows: [Row] = []
            for name in ExperimentPresets.names {
                var e = ExperimentPresets.named(name)!
                if quick { e.config.steps = min(e.config.steps, 10_000) }
                var options = IdealSolver.Options()
                options.diagnostics = false
                var seconds = 0.0, solves = 0
                for trial in 0..<trials {
                    let trainer = try QLearningTrainer(
                        topology: e.topology, environment: e.environment, config: e.config,
                        solver: try IdealSolver(topology: e.topology, options: options))
                    let result = try trainer.run(trial: trial, seed: 0)
                    seconds += result.wallSeconds
                    solves += result.freeSolves + result.clampedSolves
                }
                let steps = e.config.steps * trials
                rows.append(Row(preset: name, steps: e.config.steps, trials: trials, stepsPerSecond: Double(steps) / seconds,
                                solvesPerStep: Double(solves) / Double(steps)))
            }
            let data = try JSONOutput.encode(rows)
            if let out { try AtomicFile.write(data, to: URL(fileURLWithPath: out).appendingPathComponent("bench-train.json")) }
            printOut(json ? String(decoding: data, as: UTF8.self) : rows.map {
                "\($0.preset): \(Int($0.stepsPerSecond)) steps/s on one core (\($0.trials) trials × \($0.steps) steps, "
                    + String(format: "%.3f solves/step)", $0.solvesPerStep)
            }.joined(separator: "\n"))
        }
    }
}

/// The checks `bench spice-scale` and `bench ideal-scale` share: every size of the lattices'
/// 2n² form, at least one timed update per size, a memory run of 0 (off) or more updates.
func validateScaleOptions(sizes: [Int], updates: Int?, memoryUpdates: Int) throws {
    for edges in sizes {
        do {
            _ = try SpiceScaleBenchmark.side(edges: edges)
        } catch {
            throw badValue("--sizes \(edges): \(error)")
        }
    }
    if let updates, updates < 1 { throw badValue("--updates \(updates): give at least 1 update per size") }
    if memoryUpdates < 0 { throw badValue("--memory-updates \(memoryUpdates): give 0 (off) or a positive count") }
}

struct BenchSpiceScale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spice-scale",
        abstract: "Milliseconds per free+clamped update with gate update, 18 to 100,352 edges, ngspice and the idealized solver.")

    @Option(parsing: .upToNextOption, help: "Sizes in edges, each 2n² with 3 ≤ n ≤ 400 (default 18 200 800 3200 20000 100352).")
    var sizes: [Int] = []

    @Option(parsing: .upToNextOption, help: "Model cards to time (default nmos-ideal ald1106).")
    var models: [String] = []

    @Option(parsing: .upToNextOption, help: "Network families: lattice, dense (default both).")
    var families: [SpiceScaleBenchmark.Family] = []

    @Option(help: "Timed updates per size after the first (default 20, 2 with --quick).")
    var updates: Int?

    @Option(help: "Also run this many updates on the 3,200-edge lattice sampling resident memory (default 0).")
    var memoryUpdates = 0

    @Flag(help: "Leave out the idealized solver.")
    var noIdeal = false

    @Option(help: "SPICE solves in sessions (paused dc sweeps): on, off, or auto (the solver's default: on for networks of MOSFET edges only).")
    var sessions: SessionChoice = .auto

    @Flag(help: "Leave out the batched dc row.")
    var noBatch = false

    @Flag(help: "Compare with PyCLLN's update instead (faithful and optimized, same library, pyclln-ald1106 card; default sizes 18 200 800 3200).")
    var pyclln = false

    @Flag(help: "Leave out ngspice (time the idealized solver only).")
    var noSpice = false

    @Flag(help: "A run of a few seconds: 18 and 200 edges, 2 updates.")
    var quick = false

    @Flag(help: "Print a JSON report.")
    var json = false

    @Option(help: "Also write the report as bench-spice-scale.json into this folder.")
    var out: String?

    func validate() throws {
        try validateScaleOptions(sizes: sizes, updates: updates, memoryUpdates: memoryUpdates)
        if noIdeal && noSpice { throw badValue("--no-ideal with --no-spice leaves nothing to time: drop one of them") }
        if noSpice && memoryUpdates > 0 { throw badValue("--memory-updates \(memoryUpdates) measures ngspice: drop --no-spice") }
        if pyclln && (noSpice || memoryUpdates > 0 || !models.isEmpty) {
            throw badValue("--pyclln compares ngspice updates on the pyclln-ald1106 card: drop --no-spice, --memory-updates and --models")
        }
        for model in models {
            do {
                _ = try SolverBackend(kind: .spice, model: model).modelCard()
            } catch {
                throw badValue("--models \(model): \(error)")
            }
        }
    }

    func run() throws {
        try Exit.run {
            if pyclln { return try comparePyCLLN() }
            let report = try SpiceScaleBenchmark.run(
                edges: sizes.isEmpty ? (quick ? SpiceScaleBenchmark.quickEdges : SpiceScaleBenchmark.defaultEdges) : sizes,
                families: families.isEmpty ? SpiceScaleBenchmark.Family.allCases : families,
                models: noSpice ? [] : (models.isEmpty ? ["nmos-ideal", "ald1106"] : models), ideal: !noIdeal,
                updates: updates ?? (quick ? 2 : 20), memoryUpdates: memoryUpdates, sessions: sessions.value, batch: !noBatch,
                progress: { FileHandle.standardError.write(Data("\($0)\n".utf8)) }, rowFinished: { try write($0) })
            let data = try write(report)
            guard !json else { return printOut(String(decoding: data, as: UTF8.self)) }
            var lines = ["ngspice \(report.ngspiceVersion) (\(report.linearSolver)), options \(report.spiceOptions)",
                         "family   edges    backend (form)                    ms/update  cpu ms   op ms  other ngspice ms  batched ms/point  first ms  MiB"]
            for r in report.rows {
                let backend = r.backend + (r.gateStyle.map { " (\($0))" } ?? "")
                lines.append(r.family.padding(toLength: 8, withPad: " ", startingAt: 0)
                    + String(format: " %7d  ", r.edges) + backend.padding(toLength: 32, withPad: " ", startingAt: 0)
                    + String(format: " %10.2f %7.2f %7@ %17@ %17@ %9.0f %4.0f", r.millisecondsPerUpdate, r.processorMillisecondsPerUpdate,
                             Self.optional(r.analysisMilliseconds), Self.optional(r.otherNgspiceMilliseconds),
                             Self.optional(r.batchMillisecondsPerPoint), r.firstUpdateMilliseconds, r.residentMiB))
            }
            for g in report.growth {
                lines.append(String(format: "growth exponent (time ~ edges^p, %d–%d edges), %@ %@: p = %.2f (processor time %.2f)",
                                    g.edges.min() ?? 0, g.edges.max() ?? 0, g.family, g.backend, g.exponent, g.processorExponent))
            }
            if let m = report.memory {
                lines.append(String(format: "resident memory over %d updates (%@, %d edges): %.1f → %.1f MiB, %.2f ms/update",
                                    m.updates, m.backend, m.edges, m.residentMiBAtStart, m.residentMiBAtEnd, m.millisecondsPerUpdate))
            }
            printOut(lines.joined(separator: "\n"))
        }
    }

    private static func optional(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "-" }

    /// Writes `report` as `bench-spice-scale.json` into `--out`, if given (after every row too); returns its JSON.
    @discardableResult private func write(_ report: SpiceScaleReport) throws -> Data {
        let data = try JSONOutput.encode(report)
        if let out { try AtomicFile.write(data, to: URL(fileURLWithPath: out).appendingPathComponent("bench-spice-scale.json")) }
        return data
    }

    /// `--pyclln`: PyCLLN-style, its optimized variant and clln side by side.
    private func comparePyCLLN() throws {
        let rows = try SpicePyCLLNComparison.run(
            edges: sizes.isEmpty ? (quick ? SpiceScaleBenchmark.quickEdges : SpicePyCLLNComparison.defaultEdges) : sizes,
            updates: updates ?? (quick ? 2 : 10), sessions: sessions.value,
            progress: { FileHandle.standardError.write(Data("\($0)\n".utf8)) })
        let data = try JSONOutput.encode(rows)
        if let out { try AtomicFile.write(data, to: URL(fileURLWithPath: out).appendingPathComponent("bench-spice-pyclln.json")) }
        guard !json else { return printOut(String(decoding: data, as: UTF8.self)) }
        var lines = ["ms (cpu ms) per free+clamped update, pyclln-ald1106 card, same ngspice library; clln sessions: \(sessions.rawValue)",
                     "  edges   pyclln-style          pyclln-optimized      clln                  clln vs style  vs optimized"]
        for edges in Set(rows.map(\.edges)).sorted() {
            let r = rows.filter { $0.edges == edges }
            let cell = { (v: SpicePyCLLNComparison.Variant) -> SpicePyCLLNComparison.Row? in r.first { $0.variant == v.rawValue } }
            guard let style = cell(.pycllnFaithful), let optimized = cell(.pycllnOptimized), let ours = cell(.clln) else { continue }
            let show = { (x: SpicePyCLLNComparison.Row) in
                String(format: "%9.2f (%7.2f)", x.millisecondsPerUpdate, x.processorMillisecondsPerUpdate).padding(toLength: 22, withPad: " ", startingAt: 0)
            }
            lines.append(String(format: "%7d   ", edges) + show(style) + show(optimized) + show(ours)
                + String(format: "×%.1f (cpu ×%.1f)  ×%.1f (cpu ×%.1f)",
                         style.millisecondsPerUpdate / ours.millisecondsPerUpdate,
                         style.processorMillisecondsPerUpdate / ours.processorMillisecondsPerUpdate,
                         optimized.millisecondsPerUpdate / ours.millisecondsPerUpdate,
                         optimized.processorMillisecondsPerUpdate / ours.processorMillisecondsPerUpdate))
        }
        printOut(lines.joined(separator: "\n"))
    }
}

extension SpiceScaleBenchmark.Family: ExpressibleByArgument {}

/// `--sessions on|off|auto` of `clln bench spice-scale`.
enum SessionChoice: String, ExpressibleByArgument, CaseIterable {
    case on, off, auto
    var value: Bool? { self == .auto ? nil : self == .on }
}
