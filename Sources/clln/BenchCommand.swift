import ArgumentParser
import CLLN
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

    @Option(parsing: .upToNextOption, help: "Lattice sizes (nodes) for the scaling series.")
    var sizes: [Int] = []

    @Flag(help: "Print a JSON report.")
    var json = false

    @Option(help: "Also write the report as bench-solve.json into this folder.")
    var out: String?

    func run() throws {
        try Exit.run {
            switch backend {
            case .ideal:
                let report = try SolveBenchmark.run(latticeNodes: sizes.isEmpty ? [4096, 65_536, 262_144] : sizes)
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
                try runSpiceBenchmark(sizes: sizes) { try emit($0, text: $1) }
            }
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

    @Option(help: "Trials per preset (run one after another on one core).")
    var trials = 3

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

    func run() throws {
        try Exit.run {
            var rows: [Row] = []
            for name in ExperimentPresets.names {
                let e = ExperimentPresets.named(name)!
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
