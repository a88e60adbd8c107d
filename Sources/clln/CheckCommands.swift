import ArgumentParser
import CLLN
import CLLNRuns
import CLLNReport
import Foundation

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "The paper's proposed checks of the learning rule.",
        subcommands: [GradientCheck.self])
}

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment", abstract: "Stress and damage experiments on the Q-learning presets.",
        subcommands: [StressCommand.self, DamageCommand.self])
}

/// Output options shared by the checks: JSON on stdout, files in a folder.
struct ResultOptions: ParsableArguments {
    @Flag(help: "Print the JSON summary.")
    var json = false

    @Option(help: "Output folder.")
    var out: String?

    /// Writes `summary.json` and the SVG files, then prints the JSON or the text.
    func emit<T: Encodable>(_ summary: T, folder defaultFolder: String, svgs: [String: String], text: String) throws {
        let folder = URL(fileURLWithPath: out ?? defaultFolder)
        let data = try JSONOutput.encode(summary)
        try AtomicFile.write(data, to: folder.appendingPathComponent("summary.json"))
        for (name, svg) in svgs { try AtomicFile.write(svg, to: folder.appendingPathComponent(name)) }
        printOut(json ? String(decoding: data, as: UTF8.self) : text + "\nresults: \(folder.path)")
    }
}

struct GradientCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradient",
        abstract: "Cosine between the local-rule update and the exact gradient, vs η (MOSFET and linear edges).")

    @Argument(help: "A preset (four-state, navigation) or a topology file with outputs and states.")
    var topology: String

    @Option(help: "Nudges η, comma-separated.")
    var etas = "1,0.3,0.1,0.03,0.01,0.001"

    @Option(help: "Random (gates, state, labels) samples.")
    var samples = 200

    @Option(help: "Seed.")
    var seed: UInt64 = 0

    @OptionGroup var result: ResultOptions

    func validate() throws {
        if samples < 1 { throw badValue("--samples must be ≥ 1, e.g. --samples 200") }
        _ = try numberList(etas, option: "--etas", range: "(0, 1]") { $0 > 0 && $0 <= 1 }
    }

    func run() throws {
        try Exit.run {
            let t = try Topology.load(topology)
            let etaValues = try numberList(etas, option: "--etas", range: "(0, 1]") { $0 > 0 && $0 <= 1 }
            let curves = try GradientAlignment.run(topology: t, etas: etaValues, samples: samples, seed: seed)
            var chart = LineChart(title: "\(t.name): local rule vs exact gradient", xLabel: "nudge η", yLabel: "cosine similarity")
            chart.xLog = true
            for (i, c) in curves.enumerated() {
                let color = ColorScale.categorical(i)
                chart.series.append(LineSeries(name: "\(c.edgeModel) (mean)", x: c.points.map(\.eta), y: c.points.map(\.cosineMean), color: color))
                chart.series.append(LineSeries(name: "\(c.edgeModel) (min, max)", x: c.points.map(\.eta), y: c.points.map(\.cosineMin), dashed: true, color: color))
                chart.series.append(LineSeries(name: "", x: c.points.map(\.eta), y: c.points.map(\.cosineMax), dashed: true, color: color))
            }
            let text = curves.map { c in
                "\(c.edgeModel) (\(c.samples) samples, \(c.skipped) skipped):\n" + c.points.map {
                    String(format: "  η %-7g cosine mean %.4f  min %.4f  max %.4f  sd %.4f", $0.eta, $0.cosineMean, $0.cosineMin, $0.cosineMax, $0.cosineStd)
                }.joined(separator: "\n")
            }.joined(separator: "\n")
            struct Summary: Encodable { var topology: String; var samples: Int; var curves: [GradientAlignment.Curve] }
            try result.emit(Summary(topology: t.name, samples: samples, curves: curves),
                            folder: "out/check-gradient/\(t.name)", svgs: ["cosine.svg": chart.svg()], text: text)
        }
    }
}

/// Options of the Q-learning experiments.
struct ExperimentOptions: ParsableArguments {
    @Argument(help: "A preset (four-state, navigation).")
    var preset: String

    @Option(help: "Training steps per run (default: the preset's).")
    var steps: Int?

    @Option(help: "Seed.")
    var seed: UInt64 = 0

    @OptionGroup var backendOptions: BackendOptions

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        if let steps, steps < 1 { throw badValue("--steps must be ≥ 1, e.g. --steps 20000") }
    }

    func experiment() throws -> QLearningExperiment {
        guard var e = ExperimentPresets.named(preset) else { throw ExperimentConfigError.unknownPreset(preset) }
        e.config.steps = steps ?? e.config.steps
        try e.validate()
        return e
    }

    /// Runs `trial` through the run layer into `--out` (default `folder`) and prints its summary.
    func run<T: Trial>(_ trial: T, result: ResultOptions, folder: String, text: (T.Summary) -> String) throws where T.Backend == SolverBackend {
        let url = URL(fileURLWithPath: result.out ?? folder)
        let summary = try runOptions.scheduler.run(trial, on: try backendOptions.solverBackend(), in: RunFolder(url))
        printOut(result.json ? String(decoding: try JSONOutput.encode(summary), as: UTF8.self) : text(summary) + "\nresults: \(url.path)")
    }
}

struct StressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress", abstract: "Scale the rewards until learning fails; gate and output saturation per factor.")

    @OptionGroup var options: ExperimentOptions

    @Option(help: "Reward scale factors, comma-separated.")
    var factors = "1,2,5,10,20,50"

    @Option(help: "Trials per factor.")
    var trials = 3

    @OptionGroup var result: ResultOptions

    func validate() throws {
        if trials < 1 { throw badValue("--trials must be ≥ 1, e.g. --trials 3") }
        _ = try numberList(factors, option: "--factors", range: "(0, ∞)") { $0 > 0 }
    }

    func run() throws {
        try Exit.run {
            let e = try options.experiment()
            let values = try numberList(factors, option: "--factors", range: "(0, ∞)") { $0 > 0 }
            let trial = StressTrial(experiment: e, factors: values, trialsPerFactor: trials, seed: options.seed)
            try options.run(trial, result: result, folder: "out/experiment-stress/\(e.name)") { s in
                s.factors.map {
                    String(format: "factor %-5g score %.3f  ratio mean %.3f min %.3f  best %d/%d  gates at GMN %.2f GMX %.2f  outputs at rails %.2f",
                           $0.factor, $0.meanScore, $0.meanRatio, $0.minRatio, $0.bestCount, $0.trials, $0.gatesAtMinimum,
                           $0.gatesAtMaximum, $0.outputsAtRails) + ($0.learned ? "" : "  FAILS")
                        + ($0.errors.isEmpty ? "" : "\n  " + $0.errors.joined(separator: "\n  "))
                }.joined(separator: "\n") + "\nlearning fails from factor: " + (s.failsFromFactor.map { "\($0)" } ?? "none tested")
            }
        }
    }
}

struct DamageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damage", abstract: "Open a fraction of the edges mid-training and measure the recovery.")

    @OptionGroup var options: ExperimentOptions

    @Option(help: "Fractions of edges removed, comma-separated.")
    var fractions = "0.1,0.2,0.3"

    @Option(help: "Step of the damage (default: half the run).")
    var at: Int?

    @OptionGroup var result: ResultOptions

    func validate() throws {
        if let at, at < 0 { throw badValue("--at must be ≥ 0 (a training step), e.g. --at 50000") }
        _ = try numberList(fractions, option: "--fractions", range: "[0, 1)") { $0 >= 0 && $0 < 1 }
    }

    func run() throws {
        try Exit.run {
            let e = try options.experiment()
            let values = try numberList(fractions, option: "--fractions", range: "[0, 1)") { $0 >= 0 && $0 < 1 }
            let trial = DamageTrial(experiment: e, fractions: values, at: at ?? e.config.steps / 2, seed: options.seed)
            func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
            try options.run(trial, result: result, folder: "out/experiment-damage/\(e.name)") { s in
                s.fractions.map { r in
                    "fraction \(r.fraction) (\(r.removedEdges.count) edges): \(r.outcome); reward before \(f(r.rewardBefore)), "
                        + "right after \(f(r.rewardAfter)), recovered in \(r.stepsToRecover.map(String.init) ?? "-") steps; "
                        + "from scratch reaches it in \(r.scratchStepsToReach.map(String.init) ?? "-") steps; "
                        + "final ratio \(f(r.finalRatio)) vs scratch \(f(r.scratchFinalRatio))"
                }.joined(separator: "\n") + s.failedTrials.map { "\ntrial \($0.trial) FAILED: \($0.error)" }.joined()
            }
        }
    }
}

/// Parses a comma-separated list of numbers given to `option`, each of which must satisfy
/// `isValid` (described by `range`); a bad or empty entry is an error, never silently dropped.
func numberList(_ text: String, option: String, range: String, isValid: (Double) -> Bool) throws -> [Double] {
    let entries = text.split(separator: ",", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
    var values: [Double] = []
    for entry in entries {
        guard let value = Double(entry) else {
            throw ValidationError("\(option): '\(entry)' is not a number; give comma-separated numbers in \(range), e.g. \(option) 0.1,0.2")
        }
        guard value.isFinite, isValid(value) else {
            throw badValue("\(option): \(entry) is not in \(range); give comma-separated numbers in \(range), e.g. \(option) 0.1,0.2")
        }
        values.append(value)
    }
    return values
}
