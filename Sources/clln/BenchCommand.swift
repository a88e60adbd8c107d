import ArgumentParser
import CLLN
import CLLNBench
import CLLNReport
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (speed targets live here, not in tests).",
        subcommands: [BenchSolve.self, BenchTrain.self])
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
