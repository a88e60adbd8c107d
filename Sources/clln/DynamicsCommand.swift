import ArgumentParser
import CLLNDynamics
import CLLNRuns
import CLLNReport
import Foundation

/// `clln dynamics …`: tunable ODE networks (oscillators, Kuramoto, LIF, Michaelis–Menten,
/// Lotka–Volterra) trained with the local contrastive rule and the forward supervisor.
struct DynamicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dynamics",
        abstract: "Dynamical contrastive learning: ODE networks trained by a local rule and a causal supervisor.",
        subcommands: [Train.self, Align.self, Reproduce.self, List.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tasks with a one-line description.")

        func run() throws {
            let width = DynamicsTask.names.map(\.count).max() ?? 0
            for name in DynamicsTask.names {
                let task = try DynamicsTask(name: name)
                print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + task.summary)
            }
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a task; write cost/alignment (CSV, SVG), trajectories (SVG), parameters and a summary.")

        @Argument(help: "Task name (see `clln dynamics list`).")
        var task: String
        @Option(help: "Training iterations (default: the task's).")
        var iterations: Int?
        @Option(help: "Seed of the network, initial parameters and data (seed k of --seeds uses seed + k).")
        var seed: UInt64 = 1

        @Option(help: "Number of seeds to train (trials), from --seed on.")
        var seeds = 1

        @OptionGroup var runOptions: RunOptions
        @Option(help: "Nudge strength η of the forward supervisor (default: the task's).")
        var eta: Double?
        @Option(name: .customLong("learning-rate"), help: "Learning rate α (default: the task's).")
        var learningRate: Double?
        @Option(help: "Update rule: local (the method) or gradient (exact gradient descent, the benchmark).")
        var rule: UpdateRule = .local
        @Option(help: "Supervisor: force (−η∂c/∂x added to the output equations) or clamp (outputs held at x^F − η∂c/∂x, the paper's Eq. 19); default: the task's.")
        var supervisor: Supervisor?
        @Option(help: "Output folder (default: out/dynamics/<task>).")
        var out: String?
        @Flag(help: "Print the summary as JSON on stdout.")
        var json = false

        func validate() throws {
            try validateTask(task)
            if let iterations, iterations < 1 { throw badValue("--iterations must be ≥ 1, e.g. --iterations 300") }
            if seeds < 1 { throw badValue("--seeds must be ≥ 1, e.g. --seeds 10") }
            if let eta, !(eta > 0 && eta.isFinite) { throw badValue("--eta must be a positive finite number, e.g. --eta 0.1") }
            if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
                throw badValue("--learning-rate must be a positive finite number, e.g. --learning-rate 0.05")
            }
        }

        func run() throws {
            try Exit.run {
                let trial = DynamicsTrial(
                    task: task, seed: seed, seeds: seeds, iterations: iterations, eta: eta, learningRate: learningRate, rule: rule,
                    supervisor: supervisor)
                let folder = URL(fileURLWithPath: out ?? "out/dynamics/\(task)")
                let summary = try runOptions.scheduler.run(trial, on: InProcessBackend(), in: RunFolder(folder))
                if json {
                    printOut(String(decoding: try JSONOutput.encode(summary), as: UTF8.self))
                } else {
                    for (k, s) in summary.seeds.enumerated() {
                        printOut(String(
                            format: "%@ seed %llu: cost %.4g → %.4g (×%.1f) in %d iterations, mean alignment %.3f, %.2f s; figures: %@",
                            task, s.seed, s.costInitial, s.costFinal, s.reductionFactor, s.iterations, s.alignmentMean, s.wallSeconds,
                            RunFolder(folder).artifactsFolder(k).path))
                    }
                    for f in summary.failedTrials { printOut("seed \(seed &+ UInt64(f.trial)) FAILED: \(f.error)") }
                    printOut("learned (cost ×\(Int(DynamicsTrial.learnedReduction)) lower, positive mean alignment) on \(summary.learned.description) seeds; results: \(folder.path)")
                }
                if !summary.failedTrials.isEmpty { throw ExitCode(70) }
            }
        }
    }

    struct Align: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Alignment of the local update with the exact gradient as a function of the nudge η.")

        @Argument(help: "Task name (see `clln dynamics list`).")
        var task: String
        @Option(parsing: .upToNextOption, help: "Nudge strengths η to study.")
        var etas: [Double] = [0.001, 0.01, 0.1, 1, 10]
        @Option(help: "Independently seeded networks per η.")
        var samples: Int = 8
        @Option(help: "Seed of the first sample (sample k uses seed + k).")
        var seed: UInt64 = 1
        @Option(name: .customLong("trained"), help: "Measure after this many local-rule iterations (0: at initialisation).")
        var trainingIterations: Int = 0
        @Option(help: "Output folder (default: out/dynamics/<task>/alignment).")
        var out: String?
        @Flag(help: "Print the study as JSON on stdout.")
        var json = false

        func validate() throws {
            try validateTask(task)
            if samples < 1 { throw badValue("--samples must be ≥ 1, e.g. --samples 8") }
            if trainingIterations < 0 { throw badValue("--trained must be ≥ 0 (iterations before measuring), e.g. --trained 100") }
            if etas.isEmpty || !etas.allSatisfy({ $0 > 0 && $0.isFinite }) {
                throw badValue("--etas must be positive numbers, e.g. --etas 0.01 0.1 1")
            }
        }

        func run() throws {
            try Exit.run {
                let progress = ProgressBar(total: etas.count * samples, label: "\(task) alignment")
                let study = try AlignmentStudy.run(
                    task: task, etas: etas, samples: samples, seed: seed, trainingIterations: trainingIterations
                ) { progress.advance() }
                progress.finish()
                let folder = URL(fileURLWithPath: out ?? "out/dynamics/\(task)/alignment")
                try study.writeReport(to: folder)
                if json {
                    printOut(String(decoding: try JSONOutput.encode(study), as: UTF8.self))
                } else {
                    for point in study.points {
                        printOut(String(format: "η = %-8g alignment %+.3f ± %.3f (%.0f%% positive)",
                                        point.eta, point.mean, point.standardDeviation, 100 * point.positiveFraction))
                    }
                    printOut("wrote \(folder.path)")
                }
            }
        }
    }
}

extension DynamicsCommand {
    struct Reproduce: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reproduce one of the paper's figures (or all): its data as CSV/JSON and SVGs.",
            discussion: Reproduction.figures.map { "\($0.name): \($0.summary)" }.joined(separator: "\n"))

        @Argument(help: "Figure: all, \(Reproduction.figures.map(\.name).joined(separator: ", ")).")
        var figure: String
        @Flag(help: "Tiny runs (\(Reproduction.quickIterations) iterations, a few samples) to check the pipeline, not the result.")
        var quick = false
        @Flag(name: .customLong("paper-scale"), help: "The paper's iteration counts wherever it states them (Kuramoto sync 60,000 ≈ 20 min per network, logic gates 100,000 ≈ 50 min); by default only where they take minutes (gLV 10,000).")
        var paperScale = false
        @Option(help: "Output folder (default: out/dynamics/reproduce); figure F goes to <out>/F.")
        var out: String = "out/dynamics/reproduce"

        func validate() throws {
            guard figure == "all" || Reproduction.figures.contains(where: { $0.name == figure }) else {
                throw badValue("unknown figure '\(figure)'; valid: all, \(Reproduction.figures.map(\.name).joined(separator: ", "))")
            }
        }

        func run() throws {
            try Exit.run {
                let folder = URL(fileURLWithPath: out)
                let files = try Reproduction.run(figure, quick: quick, paperScale: paperScale, to: folder) { printOut("reproducing \($0)…") }
                printOut("wrote \(files.count) files under \(folder.path)")
            }
        }
    }
}

/// An unknown task is a usage error that lists the valid names.
private func validateTask(_ name: String) throws {
    guard DynamicsTask.names.contains(name) else {
        throw ValidationError(DynamicsError.unknownTask(name).description)
    }
}

extension UpdateRule: ExpressibleByArgument {}
extension Supervisor: ExpressibleByArgument {}
